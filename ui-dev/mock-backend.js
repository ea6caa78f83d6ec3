// Dev/test only: an in-memory implementation of docs/UI-CONTRACT.md with 5,000 generated colleagues.
// Loaded by ui-dev/preview.html (serve the repository root: python3 -m http.server), never by index.html. URL parameters: lang=en|de, theme=light|dark,
// screen=colleagues|status|settings, section=…, card=<colleague id> (open that contact card, as the tray does), cert=1 (untrusted certificate), paused=1, still=1 (no
// presence changes), warnings=all (one warning of every kind), help=1 (open the shortcut help).
// Like the real backend it pushes only changes: a `colleagues` event when a presence really changed
// (with the time of that change), a `state` event after a command; `last_sync` moves without a push.
(function () {
  "use strict";
  const params = new URLSearchParams(location.search);
  if (params.get("theme")) document.documentElement.dataset.theme = params.get("theme");
  let seed = 42;
  const rnd = () => { seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const now = Date.now();
  const FIRST = ["Anna", "Jonas", "Lea", "Lukas", "Sophie", "Felix", "Marie", "Paul", "Emma", "Jürgen", "Özlem", "Björn", "Zoë", "Mehmet", "Chloé", "Łukasz", "Sören", "Ines", "Noah", "Mia", "Karl-Heinz", "Anneliese", "Ivan", "Priya", "Hannah", "Tobias", "Julia", "Max", "Clara", "David", "Elif", "Frieda", "Georg", "Helena", "Jan", "Katharina", "Leon", "Nora", "Oskar", "Rosa", "Stefan", "Theresa", "Ulrike", "Valentin", "Wiebke", "Yusuf"];
  const LAST = ["Schmidt", "Müller", "Weiß", "Schäfer", "Krüger", "Wagner", "Becker", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Hofmann", "Hartmann", "Lange", "Yılmaz", "Nowak", "O'Brien", "García", "Nguyen", "von der Heide", "Albrecht", "Bauer", "Dietrich", "Engel", "Fischer", "Graf", "Haas", "Jäger", "Keller", "Lorenz", "Maier", "Nagel", "Otto", "Peters", "Roth", "Seidel", "Thiele", "Ulrich", "Vogel", "Winter", "Ziegler", "Böhm", "Fuchs", "Günther", "Kaiser", "Lehmann", "Martin", "Pohl", "Sommer", "Franke"];
  const DEPTS = ["Sales", "Vertrieb", "Support", "Buchhaltung", "IT", "Marketing", "Einkauf", "Personal", "Entwicklung", "Logistik"];
  const TITLES = ["Account Manager", "Teamleitung", "Sachbearbeiter:in", "Software Engineer", "Projektleiter", "Werkstudent", "Consultant", "Head of Support"];
  const OFFICES = ["Hamburg, 3.14", "Berlin Mitte", "München Süd, R 201", "Köln", "Remote"];
  const ROWS = ["available", "available", "available", "busy", "busy_phone", "busy_meeting", "busy_meeting", "presenting", "do_not_disturb", "be_right_back", "away", "away", "offline", "offline", "out_of_office", "unknown"];
  const GRAPH = { available: ["Available", "Available"], busy: ["Busy", "Busy"], busy_phone: ["Busy", "InACall"], busy_meeting: ["Busy", "InAMeeting"], presenting: ["DoNotDisturb", "Presenting"], do_not_disturb: ["DoNotDisturb", "DoNotDisturb"], be_right_back: ["BeRightBack", "BeRightBack"], away: ["Away", "Away"], offline: ["Offline", "OffWork"], out_of_office: ["Away", "OutOfOffice"], unknown: ["PresenceUnknown", "PresenceUnknown"] };
  const ascii = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/ß/g, "ss").replace(/ı/g, "i").replace(/ł/gi, "l").replace(/[^a-zA-Z-]/g, "").toLowerCase();

  /** A presence first read `at` (wall clock ms). */
  function presence(row, at) {
    const [availability, activity] = GRAPH[row];
    return {
      row, availability, activity,
      out_of_office: row === "out_of_office",
      out_of_office_message: row === "out_of_office" ? "Ich bin bis Montag nicht im Büro. In dringenden Fällen wenden Sie sich bitte an das Team." : null,
      status_message: rnd() < 0.08 ? pick(["Heute im Homeoffice", "Fokuszeit bis 14 Uhr", "<b>not bold</b> & \"quoted\""]) : null,
      phone: rnd() < 0.08 ? "active" : rnd() < 0.9 ? "available" : null,
      status: null,
      starface_chat: rnd() < 0.1 ? { presence: "away", message: "Mittagspause" } : null,
      updated_at: at,
      stale: Date.now() - at > 15 * 60 * 1000,
    };
  }

  /** The merged status as the backend computes it (presence-core PersonStatus). */
  function withStatus(p) {
    const line = p.phone;
    const activity = line === "active" ? "on_the_phone" : line === "ringing" ? "ringing" : p.row;
    const dots = { available: "available", busy: "busy", busy_phone: "busy", busy_meeting: "busy", presenting: "do_not_disturb", do_not_disturb: "do_not_disturb", be_right_back: "away", away: "away", out_of_office: "away", offline: "offline" };
    const dot = activity === p.row ? (dots[p.row] || "unknown") : "busy";
    const phone_dnd = !!p.phone_dnd, calls_forwarded = !!p.calls_forwarded;
    p.status = { activity, dot, phone_dnd, calls_forwarded, free: p.row === "available" && !phone_dnd && activity === p.row };
    return p;
  }

  const colleagues = [];
  for (let i = 0; i < 5000; i++) {
    const first = pick(FIRST), last = pick(LAST);
    let name = `${first} ${last}`;
    if (i === 7) name = "<img src=x onerror=alert(1)>";
    if (i === 11) name = "\"><script>alert(1)</script>";
    if (i === 13) name = "Robert'); DROP TABLE users;-- Tables";
    const mailLocal = i === 7 || i === 11 ? `xss${i}` : `${ascii(first)}.${ascii(last)}${i > 300 ? i : ""}`;
    const mail = `${mailLocal}@contoso.de`;
    const row = pick(ROWS);
    const age = rnd() < 0.05 ? (1 + rnd() * 20) * 3600 * 1000 : rnd() * 9 * 60 * 1000;
    const ext = String(100 + i);
    colleagues.push({
      id: `0000${i.toString(16).padStart(4, "0")}-5d1e-4c7a-9f00-${(1e11 + i * 7919).toString(16).slice(0, 12).padStart(12, "0")}`,
      display_name: name,
      mail,
      user_principal_name: i === 3 ? "anna+test&co@contoso.de" : mail,
      job_title: i === 11 ? "<script>alert('job')</script>" : pick(TITLES),
      department: pick(DEPTS),
      office_location: pick(OFFICES),
      phones: [{ kind: "business", number: `+49 40 123456-${ext}` }]
        .concat(rnd() < 0.5 ? [{ kind: "mobile", number: `+49 171 ${String(1000000 + i * 37).slice(0, 7)}` }] : [])
        .concat(rnd() < 0.05 ? [{ kind: "businessFax", number: `+49 40 123456-9${ext}` }] : []),
      starface_number: rnd() < 0.9 ? ext : null,
      // Graph's imAddress; the directory has none for some people (then "Copy SIP" is off).
      sip_address: rnd() < 0.9 ? `${mailLocal}@contoso.de` : null,
      favourite: false,
      notify: null,
      presence: presence(row, now - age),
      free_busy: null,
    });
  }
  // Free/busy as the backend sends it, made up per colleague: times on the viewer's clock.
  function moment(minutesFromNow) {
    const d = new Date(Date.now() + minutesFromNow * 60000);
    d.setMinutes(Math.ceil(d.getMinutes() / 15) * 15, 0, 0);
    const days = Math.round((new Date(d).setHours(0, 0, 0, 0) - new Date().setHours(0, 0, 0, 0)) / 86400000);
    return {
      at: d.getTime(), hour: d.getHours(), minute: d.getMinutes(),
      day: days === 0 ? "today" : days === 1 ? "tomorrow" : "later",
      date: days > 1 ? { weekday: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"][d.getDay()], day: d.getDate(), month: d.getMonth() + 1, year: d.getFullYear() } : null,
    };
  }
  function freeBusyOf(i) {
    switch (i % 7) {
      case 0: return { kind: "in_meeting", tentative: false, until: moment(45), free_from: moment(90) };
      case 1: return { kind: "free", until: moment(120), then: "meeting" };
      case 2: return { kind: "out_of_office", until: moment(4 * 1440) };
      case 3: return { kind: "outside_working_hours", back: moment(14 * 60) };
      case 4: return { kind: "in_meeting", tentative: true, until: moment(30), free_from: null };
      case 5: return { kind: "free", until: null, then: null };
      default: return { kind: params.get("nofreebusy") ? "not_granted" : "refused" };
    }
  }
  const indexOf = new Map(colleagues.map((c, i) => [c.id, i]));
  [0, 3, 7, 11, 21, 42].forEach((i) => (colleagues[i].favourite = true));
  colleagues[0].presence = presence("available", now - 40 * 1000); colleagues[0].presence.phone = "available";
  colleagues[3].presence = presence("busy_meeting", now - 2 * 60 * 1000); colleagues[3].presence.phone = "active";
  colleagues[21].presence = presence("available", now - 60 * 1000); colleagues[21].presence.phone = "ringing";
  colleagues[21].presence.phone_dnd = true; colleagues[21].presence.calls_forwarded = true;
  colleagues.forEach((c) => withStatus(c.presence));
  colleagues[21].notify = "once";
  for (const c of colleagues) if (c.favourite || c.notify) c.free_busy = freeBusyOf(indexOf.get(c.id));
  let card = null;
  const byId = new Map(colleagues.map((c) => [c.id, c]));
  colleagues.sort((a, b) => a.display_name.localeCompare(b.display_name, "de"));
  // The backend's folding (presence_core::directory_search): "ü" is found as "ü", "ue" and "u".
  const fold = (text, expand) => String(text || "").toLowerCase()
    .replace(/[äöü]/g, (c) => ({ ä: "a", ö: "o", ü: "u" })[c] + (expand ? "e" : ""))
    .replace(/ß/g, "ss").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  const hay = new Map(colleagues.map((c) => {
    const text = [c.display_name, (c.mail || "").split("@")[0]].join(" ");
    return [c.id, [fold(text, true), fold(text, false)]];
  }));

  const UNTRUSTED = "9F:86:D0:81:88:4C:7D:65:9A:2F:EA:A0:C5:5A:D0:15:A3:BF:4F:1B:2B:0B:82:2C:D1:5D:6C:15:B0:F0:0A:08";
  const PINNED = "3A:7B:C1:09:DE:44:5F:12:88:90:AB:CD:EF:01:23:45:67:89:0A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:11:22";
  const mockCertificate = (fingerprint, trusted) => ({
    fingerprint, subject: "CN=pbx.contoso.local, O=Contoso GmbH", issuer: "CN=pbx.contoso.local, O=Contoso GmbH",
    not_before: now - 200 * 86400000, not_after: now + 530 * 86400000, trusted,
  });
  const j = (minsAgo, kind, p = {}) => ({ at: now - minsAgo * 60000, kind, params: p, text: kind });
  const state = {
    own: {
      teams: { row: "busy_meeting", availability: "Busy", activity: "InAMeeting", out_of_office: false, status_message: "Quarterly review until 11:30" },
      starface: { dnd: true, chat: { presence: "do_not_disturb", message: "In a meeting (Teams)" }, telephony: "available" },
      row: "busy_meeting",
    },
    sync: { mode: "running", paused_until: null, last_sync: now - 4000 },
    accounts: {
      microsoft: { state: "signed_in", user: "anna.schmidt@contoso.de" },
      starface: params.get("cert")
        ? { state: "certificate_untrusted", message: null, presented_fingerprint: UNTRUSTED, certificate: mockCertificate(UNTRUSTED, false), needs: null }
        : { state: "connected", message: null, presented_fingerprint: PINNED, certificate: mockCertificate(PINNED, true), needs: null },
    },
    colleagues: [],
    journal: [
      j(95, "teams_changed", { availability: "Available", activity: "Available", out_of_office: false, row: "available", previous_row: null, dnd: { kind: "set", on: false }, chat: { kind: "set", presence: "available", message: "" }, held: null }),
      j(95, "command_succeeded", { command: { kind: "set_dnd", on: false } }),
      j(61, "flicker_ignored", { row: "away", lasted_ms: 1800 }),
      j(48, "call_started", { session: "busy_in_a_call" }),
      j(48, "command_succeeded", { command: { kind: "set_teams_session", presence: "busy_in_a_call", minutes: 5 } }),
      j(44, "own_session_ignored", { availability: "Busy", activity: "InACall" }),
      j(41, "call_ended"),
      j(30, "manual_dnd", { dnd: true }),
      j(22, "command_failed", { command: { kind: "set_chat_status", presence: "away", message: "" }, reason: "XMPP connection reset" }),
      j(12, "teams_changed", { availability: "Busy", activity: "InAMeeting", out_of_office: false, row: "busy_meeting", previous_row: "available", dnd: { kind: "set", on: true }, chat: { kind: "set", presence: "do_not_disturb", message: "In a meeting (Teams)" }, held: null }),
      j(12, "command_succeeded", { command: { kind: "set_dnd", on: true } }),
      j(12, "command_succeeded", { command: { kind: "set_chat_status", presence: "do_not_disturb", message: "In a meeting (Teams)" } }),
      j(3, "another_sync_suspected", { reverts: 3, period_minutes: 30 }),
    ],
    warnings: [{ kind: "another_sync", params: { reverts: 3, period_minutes: 30 } }],
    hooks: [{ hook: "mqtt", last: { at: Date.now() - 60_000, occasion: "change", error: null }, last_ok: Date.now() - 60_000, connected: true }],
  };
  if (params.get("paused")) { state.sync = { mode: "paused", paused_until: now + 3600000, last_sync: now - 4000 }; state.warnings.push({ kind: "paused", params: { until: now + 3600000 } }); }
  if (params.get("cert")) state.warnings.push({ kind: "certificate_untrusted", params: { fingerprint: UNTRUSTED } });
  if (params.get("warnings") === "all") {
    state.warnings.push(
      { kind: "sign_in_required", params: {} },
      { kind: "writes_failing", params: { target: "chat_status" } },
      { kind: "needs_admin_consent", params: {} },
      { kind: "phone_state_unreachable", params: { message: "OneHub at https://pbx.contoso.de:9092 is not reachable: connection refused" } },
      { kind: "graph_unreachable", params: { message: "cannot reach Microsoft Graph: connection reset" } },
      { kind: "starface_login_rejected", params: { message: "STARFACE rejected the login for user 0001: wrong login id or password (401)" } },
      { kind: "starface_unreachable", params: { message: "cannot reach the PBX at https://pbx.contoso.de/rest/login: timed out" } },
      { kind: "settings_file_invalid", params: { message: "config.toml: key `sync.poll_interval_secs`: must be between 5 and 300, got 1" } },
    );
  }

  const POLICY = "/etc/presence-bridge/policy.toml";
  const row = (dnd, chat_status, chat_message) => (chat_message ? { dnd, chat_status, chat_message } : { dnd, chat_status });
  const settings = {
    values: {
      microsoft: { client_id: "11111111-2222-3333-4444-555555555555", tenant: "organizations" },
      starface: { url: "https://pbx.contoso.de", login: "0001", auth: "classic", certificate_pin: "3A:7B:C1:09:DE:44:5F:12:88:90:AB:CD:EF:01:23:45:67:89:0A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:11:22" },
      sync: { enabled: true, poll_interval_secs: 10, debounce_secs: 3, working_hours: { days: ["mon", "tue", "wed", "thu", "fri"], start: "07:30", end: "17:30", outside: "leave_as_is" } },
      mapping: {
        reverse: "busy_in_a_call",
        available: row("deactivate", "available"),
        busy: row("unchanged", "do_not_disturb", "Busy (Teams)"),
        busy_phone: row("activate", "do_not_disturb", "In a call (Teams)"),
        busy_meeting: row("activate", "do_not_disturb", "In a meeting (Teams)"),
        presenting: row("activate", "do_not_disturb", "Presenting (Teams)"),
        do_not_disturb: row("activate", "do_not_disturb", "{teams_status_message}"),
        be_right_back: row("unchanged", "away", "Be right back"),
        away: row("unchanged", "away"),
        offline: row("unchanged", "unchanged"),
        out_of_office: row("unchanged", "extended_away", "Out of office {teams_status_message}"),
        unknown: row("unchanged", "unchanged"),
      },
      ui: { language: params.get("lang") || "auto", favourites: [], autostart: true, tray_favourites_only: false },
      hooks: {
        include_status_message: false,
        mqtt: { enabled: true, url: "mqtts://homeassistant.local", username: "anna", topic_prefix: "presence-bridge/anna", retain: true, home_assistant: true, discovery_prefix: "homeassistant", allow_insecure: false },
        webhook: { enabled: false, timeout_secs: 10, retries: 3 },
        command: { enabled: false, args: [], args_by_dot: {}, timeout_secs: 10 },
      },
    },
    locked: [{ key: "mapping.busy_meeting", policy: POLICY }, { key: "sync.poll_interval_secs", policy: POLICY }],
    secrets: { starface_password: true, starface_client_secret: false, starface_password_stored_for: null, starface_client_secret_stored_for: null, hook_mqtt_password: true, hook_webhook_secret: false },
  };

  // ---- Event plumbing as the Tauri core event plugin does it ----
  const callbacks = new Map();
  const listeners = new Map(); // eventId -> {event, handler}
  let nextId = 1;
  function emit(event, payload) {
    for (const [id, l] of listeners) if (l.event === event) callbacks.get(l.handler)?.({ event, id, payload: JSON.parse(JSON.stringify(payload)) });
  }
  const watched = () => colleagues.filter((c) => c.favourite || c.notify);
  const snapshot = () => ({ ...state, colleagues: watched() });
  const err = (message, key) => { throw key ? { key, message } : { message }; };
  const locked = (key) => settings.locked.find((l) => key === l.key || key.startsWith(l.key + "."));
  const log = (window.__mockLog = []);

  const commands = {
    get_state: () => snapshot(),
    get_translations: async ({ lang }) => (await fetch(`../ui/i18n/${lang === "de" ? "de" : "en"}.json`)).json(),
    search_directory: ({ query }) => {
      const words = String(query || "").trim().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
      // The default list: everyone the app watches, which in this mock is the whole directory
      // (5,000 people, to try the virtualised list).
      if (!words.length) return { query, colleagues: [...colleagues].sort((a, b) => b.favourite - a.favourite), complete: true };
      const matches = (c, w) => hay.get(c.id).some((text) => [fold(w, true), fold(w, false)].some((v) => text.includes(v)));
      const found = colleagues.filter((c) => words.every((w) => matches(c, w)));
      found.sort((a, b) => (b.favourite - a.favourite));
      return { query, colleagues: found.slice(0, 50), complete: true };
    },
    set_favourite: ({ colleagueId, favourite }) => {
      const c = byId.get(colleagueId) || err("unknown colleague");
      c.favourite = !!favourite;
      emit("state", snapshot());
      return null;
    },
    set_notify_when_available: ({ colleagueId, mode }) => {
      const c = byId.get(colleagueId) || err("unknown colleague");
      if (![null, "once", "always"].includes(mode)) err("mode must be null, \"once\" or \"always\"");
      c.notify = mode;
      emit("state", snapshot());
      return null;
    },
    open_link: ({ action }) => {
      const c = byId.get(action.colleague_id) || err("unknown colleague");
      if (!["teams_chat", "teams_call", "email", "phone", "sip"].includes(action.kind)) err("unknown link kind");
      log.push({ open_link: action, colleague: c.display_name });
      return null;
    },
    copy_sip: ({ colleagueId }) => {
      const c = byId.get(colleagueId) || err("unknown colleague");
      if (!c.sip_address) err("this colleague has no SIP address");
      return { copied: `sip:${c.sip_address}` };
    },
    pause_sync: ({ duration }) => {
      const ms = { "15m": 15 * 60000, "1h": 3600000 }[duration];
      const until = ms ? Date.now() + ms : new Date(new Date().setHours(24, 0, 0, 0)).getTime();
      if (!ms && duration !== "tomorrow") err("duration must be 15m, 1h or tomorrow");
      state.sync.mode = "paused"; state.sync.paused_until = until;
      state.warnings = state.warnings.filter((w) => w.kind !== "paused").concat([{ kind: "paused", params: { until } }]);
      state.journal.push({ at: Date.now(), kind: "paused", params: { until }, text: "paused" });
      emit("state", snapshot());
      return null;
    },
    resume_sync: () => {
      state.sync.mode = "running"; state.sync.paused_until = null;
      state.warnings = state.warnings.filter((w) => w.kind !== "paused" && w.kind !== "stopped");
      state.journal.push({ at: Date.now(), kind: "resumed", params: {}, text: "resumed" });
      emit("state", snapshot());
      return null;
    },
    sync_now: () => {
      state.journal.push({ at: Date.now(), kind: "reapplied", params: { cause: "sync_now", row: state.own.row, dnd: { kind: "already_set", on: true }, chat: { kind: "already_set", presence: "do_not_disturb", message: "In a meeting (Teams)" }, held: null }, text: "sync now" });
      emit("state", snapshot());
      return null;
    },
    decide_conflict: ({ decision }) => {
      state.warnings = state.warnings.filter((w) => w.kind !== "another_sync");
      state.journal.push({ at: Date.now(), kind: "conflict_decided", params: { decision }, text: decision });
      if (decision === "stop_syncing") { state.sync.mode = "stopped"; state.warnings.push({ kind: "stopped", params: {} }); }
      emit("state", snapshot());
      return null;
    },
    get_settings: () => settings,
    save_settings: ({ changes }) => {
      const copy = JSON.parse(JSON.stringify(settings.values));
      for (const { key, value } of changes) {
        const l = locked(key);
        if (l) err(`\`${key}\` is locked by your administrator's policy (${l.policy}) and cannot be changed`, key);
        if (key === "sync.poll_interval_secs" && !(value >= 5 && value <= 300)) err(`must be between 5 and 300, got ${value}`, key);
        if (key === "starface.url" && value && !/^https:\/\//.test(value)) err("the URL must start with https://", key);
        if (/^mapping\.\w+\.chat_message$/.test(key) && value) {
          const bad = String(value).match(/\{(?!teams_status_message\}|teams_availability\}|teams_activity\})[^}]*\}/);
          if (bad) err(`unknown placeholder ${bad[0]} in chat_message (known: {teams_status_message}, {teams_availability}, {teams_activity})`, key);
        }
        const parts = key.split(".");
        let o = copy;
        for (const p of parts.slice(0, -1)) o = o[p] ??= {};
        if (value === null) delete o[parts.at(-1)]; else o[parts.at(-1)] = value;
      }
      settings.values = copy;
      return settings;
    },
    sign_in_microsoft: () => { state.accounts.microsoft = { state: "signed_in", user: "anna.schmidt@contoso.de" }; emit("state", snapshot()); return null; },
    sign_out_microsoft: () => { state.accounts.microsoft = { state: "signed_out", user: null }; emit("state", snapshot()); return null; },
    save_starface_password: ({ password }) => { if (!password) err("empty password", "starface.password"); settings.secrets.starface_password = true; return null; },
    save_starface_client_secret: ({ clientSecret }) => { if (!clientSecret) err("empty client secret", "starface.oauth.client_secret"); settings.secrets.starface_client_secret = true; return null; },
    test_hook: ({ hook }) => (settings.values.hooks[hook]?.enabled ? { ok: true, error: null } : { ok: false, error: "this hook is off" }),
    save_hook_secret: ({ hook, secret }) => { if (!secret) err("empty secret", `hooks.${hook}`); settings.secrets[`hook_${hook === "mqtt" ? "mqtt_password" : "webhook_secret"}`] = true; return null; },
    inspect_certificate: () => state.accounts.starface.certificate,
    trust_certificate: ({ fingerprint }) => {
      if (fingerprint !== state.accounts.starface.presented_fingerprint) err("the server now presents a different certificate", "starface.certificate_pin");
      settings.values.starface.certificate_pin = fingerprint;
      state.accounts.starface = { state: "connected", message: null, presented_fingerprint: fingerprint, certificate: mockCertificate(fingerprint, true), needs: null };
      emit("state", snapshot());
      emit("settings", settings);
      return null;
    },
    show_card: ({ colleagueId }) => {
      const changed = [];
      const old = card && byId.get(card);
      if (old && !old.favourite && !old.notify && old.id !== colleagueId) { old.free_busy = null; changed.push({ id: old.id, free_busy: null }); }
      card = colleagueId;
      const c = colleagueId && byId.get(colleagueId);
      if (c && !c.free_busy) { c.free_busy = freeBusyOf(indexOf.get(c.id)); changed.push({ id: c.id, free_busy: c.free_busy }); }
      if (changed.length) setTimeout(() => emit("colleagues", { presence: [], free_busy: changed }), 150);
      return null;
    },
    "plugin:event|listen": ({ event, handler }) => { const id = nextId++; listeners.set(id, { event, handler }); return id; },
    "plugin:event|unlisten": ({ eventId }) => { listeners.delete(eventId); return null; },
  };

  window.__TAURI_INTERNALS__ = {
    transformCallback(cb) { const id = nextId++; callbacks.set(id, cb); return id; },
    async invoke(cmd, args = {}) {
      const fn = commands[cmd];
      if (!fn) throw { message: `unknown command ${cmd}` };
      await new Promise((r) => setTimeout(r, 5));
      return fn(JSON.parse(JSON.stringify(args)));
    },
  };
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener(event, id) { listeners.delete(id); } };

  // A poll every 2 s: `last_sync` moves without a push (the real backend does not push it either),
  // and a few colleagues change; only those whose presence really changed are sent, each with the
  // time of its change.
  setInterval(() => {
    state.sync.last_sync = Date.now();
    if (params.get("still")) return;
    const changed = [];
    for (let k = 0; k < 25; k++) {
      const c = colleagues[Math.floor(rnd() * colleagues.length)];
      const row = pick(ROWS);
      if (c.presence?.row === row) continue;
      const phone = c.presence?.phone ?? null;
      c.presence = withStatus({ ...presence(row, Date.now()), phone });
      changed.push({ id: c.id, presence: c.presence });
    }
    if (changed.length) emit("colleagues", { presence: changed, free_busy: [] });
  }, 2000);
  if (params.get("help")) {
    const open = () => (document.documentElement.dataset.ready ? document.dispatchEvent(new KeyboardEvent("keydown", { key: "F1", bubbles: true })) : setTimeout(open, 20));
    open();
  }
  const screen = params.get("screen");
  if (screen) {
    const go = () => (document.documentElement.dataset.ready ? emit("navigate", { screen, section: params.get("section"), colleague: params.get("card") || undefined }) : setTimeout(go, 20));
    go();
  }
})();
