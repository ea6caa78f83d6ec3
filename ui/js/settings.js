// Settings screen: accounts, the mapping editor, reverse direction, working hours, general.
// Every change is saved at once (text debounced) through `save_settings`; the backend validates,
// checks admin locks and writes the file atomically. Errors are shown next to the key they name.
import { h, clear, debounce } from "./dom.js";
import { t, systemLang, weekdayNames } from "./i18n.js";
import { api } from "./ipc.js";
import { ROWS, CHAT_PRESENCES } from "./status.js";
import { icon } from "./icons.js";
import { showError, toast } from "./toast.js";
import { fieldList, fieldRow } from "./fields.js";
import { hooksSection } from "./hooks.js";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const TEXT_DEBOUNCE_MS = 700;

export function createSettings(store, onLanguage) {
  const status = h("span", { class: "savestate", role: "status", "aria-live": "polite" });
  const body = h("div", { class: "settings" });
  const root = h("div", { class: "screen screen--settings", id: "screen-settings", role: "tabpanel", "aria-labelledby": "tab-settings", hidden: true },
    h("div", { class: "screen__scroll" }, h("div", { class: "settings__bar" }, status), body));
  const errors = new Map(); // key -> element
  let dirtyRebuild = false;

  const v = () => store.settings?.values || {};
  const get = (key) => key.split(".").reduce((o, k) => (o == null ? undefined : o[k]), v());
  const lockOf = (key) => (store.settings?.locked || []).find((l) => key === l.key || key.startsWith(l.key + ".") || l.key.startsWith(key + "."));
  const locked = (key) => (store.settings?.locked || []).some((l) => key === l.key || key.startsWith(l.key + "."));

  async function save(changes) {
    for (const c of changes) setError(c.key, null);
    status.textContent = t("settings.saving");
    status.className = "savestate savestate--busy";
    try {
      store.settings = await api.saveSettings(changes);
      // Which secrets the keychain holds depends on the server the accounts name.
      if (changes.some((c) => /^(starface|microsoft|hooks)(\.|$)/.test(c.key))) render();
      status.textContent = t("settings.saved");
      status.className = "savestate savestate--ok";
      return true;
    } catch (e) {
      status.textContent = "";
      const key = e.key || changes[0]?.key;
      if (!setError(key, e.message)) showError(e);
      return false;
    }
  }

  function setError(key, message) {
    // The backend may name a sub-key (mapping.busy.chat_message) or a parent; find the closest field.
    let k = key;
    while (k && !errors.has(k)) k = k.includes(".") ? k.slice(0, k.lastIndexOf(".")) : "";
    const el = k ? errors.get(k) : null;
    if (!el) return false;
    el.textContent = message ? t("settings.error", { message }) : "";
    el.hidden = !message;
    return true;
  }

  function errorSlot(key) {
    const el = h("div", { class: "field__error", role: "alert", hidden: true });
    errors.set(key, el);
    return el;
  }

  function lockNote(key) {
    const l = lockOf(key);
    if (!l || !locked(key)) return null;
    return h("div", { class: "locknote" }, icon("lock", 14), h("span", {}, t("settings.locked", { policy: l.policy || "" })));
  }

  function section(id, titleKey, hintKey, ...content) {
    return h("section", { class: "panel", id: `settings-${id}`, "aria-labelledby": `settings-${id}-title` },
      h("h2", { class: "panel__title", id: `settings-${id}-title` }, t(titleKey)),
      hintKey ? h("p", { class: "panel__hint" }, t(hintKey)) : null,
      ...content);
  }

  function field(key, labelKey, control, hintKey) {
    const id = "f-" + key.replace(/\./g, "-");
    control.id = id;
    if (locked(key)) control.disabled = true;
    return h("div", { class: "field" },
      h("label", { class: "field__label", for: id }, t(labelKey), locked(key) ? icon("lock", 13) : null),
      control,
      hintKey ? h("div", { class: "field__hint" }, t(hintKey)) : null,
      lockNote(key),
      errorSlot(key));
  }

  function textInput(key, attrs = {}) {
    const input = h("input", { type: "text", class: "input", value: get(key) ?? "", autocomplete: "off", spellcheck: "false", ...attrs });
    const push = debounce(() => save([{ key, value: input.value.trim() === "" ? null : input.value.trim() }]), TEXT_DEBOUNCE_MS);
    input.addEventListener("input", () => push());
    input.addEventListener("blur", () => push.flushPending());
    return input;
  }

  function checkbox(key, labelKey, hintKey) {
    const id = "f-" + key.replace(/\./g, "-");
    const box = h("input", { type: "checkbox", id, checked: !!get(key), disabled: locked(key) });
    box.addEventListener("change", async () => {
      if (!(await save([{ key, value: box.checked }]))) box.checked = !box.checked;
    });
    return h("div", { class: "field field--check" },
      box, h("label", { for: id }, t(labelKey), locked(key) ? icon("lock", 13) : null),
      hintKey ? h("div", { class: "field__hint" }, t(hintKey)) : null, lockNote(key), errorSlot(key));
  }

  // ---- Accounts ----
  /** `sign_in_microsoft` resolved: say so when the sign-in had to leave free/busy out. */
  function signedIn(result) {
    const leftOut = result?.free_busy_left_out;
    if (leftOut === "needs_admin") toast(t("toast.free_busy_needs_admin"));
    else if (leftOut) toast(t("toast.free_busy_declined"));
  }

  function accounts() {
    const acc = store.state?.accounts || {};
    const ms = acc.microsoft || { state: "signed_out" };
    const sf = acc.starface || { state: "not_configured" };
    const msActions = ms.state === "signed_in"
      ? h("button", { type: "button", class: "btn", onclick: async () => { try { await api.signOutMicrosoft(); } catch (e) { showError(e); } } }, t("settings.microsoft.sign_out"))
      : h("button", { type: "button", class: "btn btn--primary", disabled: ms.state === "signing_in", onclick: async () => { try { signedIn(await api.signInMicrosoft()); } catch (e) { showError(e); } } }, t("settings.microsoft.sign_in"));

    // Password and client secret: sent to the keychain once, never kept in page state. The
    // backend stores them for the PBX (and login) the settings name now.
    const secrets = store.settings?.secrets || {};
    const needs = sf.state === "sign_in_needed" ? sf.needs : null;
    function secretField(o) {
      const input = h("input", { type: "password", class: "input", id: o.id, autocomplete: "new-password", placeholder: t(o.stored ? o.replaceKey : o.placeholderKey) });
      const error = errorSlot(o.key);
      const saveIt = async () => {
        const value = input.value;
        input.value = "";
        if (!value) return;
        try {
          await o.save(value);
          toast(t(o.savedKey));
          error.hidden = true;
        } catch (e) {
          error.textContent = t("settings.error", { message: e.message });
          error.hidden = false;
        }
      };
      input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); saveIt(); } });
      const hint = o.stored ? t(o.storedKey) : o.storedFor ? t(o.storedForKey, { stored_for: o.storedFor }) : t(o.missingKey);
      return h("div", { class: `field${o.wanted ? " field--wanted" : ""}`, id: `${o.id}-field` },
        h("label", { class: "field__label", for: o.id }, t(o.labelKey)),
        h("div", { class: "inline" }, input, h("button", { type: "button", class: "btn", onclick: saveIt }, t("settings.starface.password_save"))),
        h("div", { class: `field__hint${o.storedFor && !o.stored ? " field__hint--bad" : ""}` }, hint),
        error);
    }
    const password = secretField({
      id: "f-starface-password", key: "starface.password", labelKey: "settings.starface.password",
      stored: secrets.starface_password, storedFor: secrets.starface_password_stored_for, wanted: needs?.secret === "password",
      placeholderKey: "settings.starface.password_placeholder", replaceKey: "settings.starface.password_replace",
      storedKey: "settings.starface.password_stored", storedForKey: "settings.starface.password_stored_for", missingKey: "settings.starface.password_missing",
      savedKey: "settings.starface.password_saved", save: (v) => api.saveStarfacePassword(v),
    });
    const clientSecret = secretField({
      id: "f-starface-client-secret", key: "starface.oauth.client_secret", labelKey: "settings.starface.client_secret",
      stored: secrets.starface_client_secret, storedFor: secrets.starface_client_secret_stored_for, wanted: needs?.secret === "client_secret",
      placeholderKey: "settings.starface.client_secret_placeholder", replaceKey: "settings.starface.client_secret_replace",
      storedKey: "settings.starface.client_secret_stored", storedForKey: "settings.starface.client_secret_stored_for", missingKey: "settings.starface.client_secret_missing",
      savedKey: "settings.starface.client_secret_saved", save: (v) => api.saveStarfaceClientSecret(v),
    });

    const demo = store.settings?.demo;
    const cert = demo ? null : certificate(sf);
    return section("accounts", "settings.section.accounts", null,
      h("div", { class: "account" },
        h("div", { class: "account__head" },
          h("h3", { class: "subhead" }, t("settings.microsoft.title")),
          h("span", { class: `pill pill--${ms.state === "signed_in" ? "good" : ms.state === "expired" ? "bad" : "muted"}` },
            t("settings.microsoft.state." + (ms.state === "signed_in" && !ms.user ? "signed_in_unnamed" : ms.state), { user: ms.user || "" }))),
        h("div", { class: "account__actions" }, msActions)),
      h("div", { class: "account" },
        h("div", { class: "account__head" },
          h("h3", { class: "subhead" }, t("settings.starface.title")),
          h("span", { class: `pill pill--${sf.state === "connected" ? "good" : sf.state === "not_configured" ? "muted" : "bad"}` },
            t("settings.starface.state." + sf.state))),
        needs ? h("p", { class: "field__hint field__hint--bad", id: "starface-needs" },
          t(`warning.starface_secret_needed.${needs.secret}.${needs.need}`, { stored_for: needs.stored_for || "" }))
          : sf.message ? h("p", { class: "field__hint" }, sf.message) : null,
        demo ? demoPbx(demo) : [
          h("div", { class: "grid2" },
            field("starface.url", "settings.starface.url", textInput("starface.url", { type: "url", placeholder: "https://pbx.example.com" })),
            field("starface.login", "settings.starface.login", textInput("starface.login", { placeholder: "0001" }))),
          password,
          clientSecret,
          cert]));
  }

  // The demo runs on a simulated PBX with a built-in sign-in: shown as it is, read-only, instead
  // of a form whose empty fields would contradict "Connected".
  function demoPbx(demo) {
    return h("div", { class: "demopbx", id: "starface-demo" },
      h("p", { class: "demopbx__head" }, h("span", { class: "pill pill--muted" }, t("settings.starface.demo_badge")), " ", t("settings.starface.demo_hint")),
      fieldList({ variant: "end" },
        fieldRow(t("settings.starface.url"), demo.url || t("settings.starface.demo_starting"), { valueId: "starface-demo-url" }),
        fieldRow(t("settings.starface.login"), demo.login),
        fieldRow(t("settings.starface.demo_sign_in"), t("settings.starface.demo_sign_in_" + (demo.sign_in === "oauth" ? "oauth" : "classic"))),
        fieldRow(t("settings.starface.demo_phone_state"), t("settings.starface.demo_phone_state_" + (demo.phone_state ? "on" : "off")))));
  }

  // ---- Certificate: what the PBX presents, judged before it is trusted ----
  // While the state has no certificate, the window asks the backend to look (`inspect_certificate`,
  // one TLS handshake); the answer arrives as a state. The backend forgets its look when the
  // STARFACE settings change, and the sync's refusal (`certificate_untrusted`) replaces it, so a
  // changed certificate never shows as pinned. A failed look is not repeated for the same URL.
  let looking = false;
  let lookFailedFor = null;
  let lookError = null;
  function lookAtCertificate() {
    const url = get("starface.url") || "";
    if (!url.startsWith("https://") || looking || lookFailedFor === url) return;
    looking = true;
    lookError = null;
    api.inspectCertificate()
      .then(() => { lookFailedFor = null; }, (e) => { lookError = e.message; lookFailedFor = url; render(); })
      .finally(() => { looking = false; });
  }

  function certificate(sf) {
    const pinned = get("starface.certificate_pin");
    const c = sf.certificate;
    const norm = (f) => String(f || "").replace(/:/g, "").toLowerCase();
    const isPinned = !!(pinned && c && norm(pinned) === norm(c.fingerprint));
    if (!c && sf.state !== "not_configured") lookAtCertificate();
    const day = (ms) => new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: "medium" }).format(new Date(ms));
    let verdict = null;
    if (c && c.trusted && isPinned) verdict = h("p", { class: "field__hint field__hint--ok", id: "certificate-verdict" }, t("settings.certificate.matches"));
    else if (c && c.trusted) verdict = h("p", { class: "field__hint field__hint--ok", id: "certificate-verdict" }, t("settings.certificate.ca_trusted"));
    else if (c && pinned) verdict = h("p", { class: "field__hint field__hint--bad", id: "certificate-verdict", role: "alert" }, t("settings.certificate.changed"));
    else if (c) verdict = h("p", { class: "field__hint", id: "certificate-verdict" }, t("settings.certificate.untrusted"), " ", t("settings.certificate.compare"));
    else if (lookError) verdict = h("p", { class: "field__hint", id: "certificate-verdict" }, t("settings.certificate.unreachable", { message: lookError }));
    else if ((get("starface.url") || "").startsWith("https://")) verdict = h("p", { class: "field__hint", id: "certificate-verdict" }, t("settings.certificate.checking"));
    const expired = c && c.not_after && c.not_after < Date.now();
    return h("div", { class: "cert", id: "settings-certificate" },
      h("h3", { class: "subhead" }, t("settings.certificate.title")),
      fieldList({ variant: "end", class: "cert__fields" },
        fieldRow(t("settings.certificate.pinned"),
          h("code", { class: "fingerprint", id: "certificate-pinned" }, pinned || t("settings.certificate.none"))),
        c ? fieldRow(t("settings.certificate.presented"),
          h("code", { class: `fingerprint${isPinned ? "" : " fingerprint--new"}`, id: "certificate-presented" }, c.fingerprint)) : null,
        c?.subject ? fieldRow(t("settings.certificate.subject"), c.subject, { valueId: "certificate-subject" }) : null,
        c?.issuer && c.issuer !== c.subject ? fieldRow(t("settings.certificate.issuer"), c.issuer, { valueId: "certificate-issuer" }) : null,
        c?.not_before && c?.not_after ? fieldRow(t("settings.certificate.validity"),
          t("settings.certificate.validity_range", { from: day(c.not_before), until: day(c.not_after) }), { valueId: "certificate-validity" }) : null),
      expired ? h("p", { class: "field__hint field__hint--bad" }, t("settings.certificate.expired")) : null,
      verdict,
      c && !c.trusted ? h("button", {
        type: "button", class: "btn btn--primary", id: "certificate-trust", disabled: locked("starface.certificate_pin"),
        onclick: async () => { try { await api.trustCertificate(c.fingerprint); toast(t("settings.certificate.trusted")); } catch (e) { setError("starface.certificate_pin", e.message) || showError(e); } },
      }, icon("lock", 16), t("settings.certificate.trust")) : null,
      lockNote("starface.certificate_pin"),
      errorSlot("starface.certificate_pin"));
  }

  // ---- Mapping table ----
  function mapping() {
    const head = h("thead", {}, h("tr", {},
      h("th", { scope: "col", class: "col-status" }, t("settings.mapping.col.status")),
      h("th", { scope: "col", class: "col-radio" }, t("settings.mapping.col.activate")),
      h("th", { scope: "col", class: "col-radio" }, t("settings.mapping.col.deactivate")),
      h("th", { scope: "col", class: "col-radio" }, t("settings.mapping.col.unchanged")),
      h("th", { scope: "col", class: "col-chat" }, t("settings.mapping.col.chat_status")),
      h("th", { scope: "col", class: "col-msg" }, t("settings.mapping.col.chat_message"))));
    const tbody = h("tbody");
    for (const row of ROWS) {
      const key = `mapping.${row}`;
      const m = get(key) || { dnd: "unchanged", chat_status: "unchanged" };
      const rowLocked = locked(key);
      const label = t("mapping.row." + row);
      const radios = ["activate", "deactivate", "unchanged"].map((val) => {
        const r = h("input", {
          type: "radio", name: `dnd-${row}`, value: val, checked: m.dnd === val, disabled: rowLocked || locked(key + ".dnd"),
          "aria-label": t("settings.mapping.dnd_aria", { row: label, choice: t("settings.mapping.col." + val) }),
        });
        r.addEventListener("change", () => { if (r.checked) save([{ key: key + ".dnd", value: val }]); });
        // The choice's words show only where the table is laid out as one block per row (narrow).
        return h("td", { class: "col-radio" }, h("label", { class: "maptable__choice" }, r,
          h("span", { class: "maptable__choicetext", "aria-hidden": "true" }, t("settings.mapping.col." + val))));
      });
      const msg = h("input", {
        type: "text", class: "input input--compact", value: m.chat_message || "", spellcheck: "false",
        placeholder: t("settings.mapping.message_placeholder"), disabled: rowLocked || locked(key + ".chat_message") || m.chat_status === "unchanged",
        "aria-label": t("settings.mapping.message_aria", { row: label }),
      });
      // "" is "no message"; null would mean "back to the default message".
      const pushMsg = debounce(() => save([{ key: key + ".chat_message", value: msg.value.trim() === "" ? "" : msg.value }]), TEXT_DEBOUNCE_MS);
      msg.addEventListener("input", () => pushMsg());
      msg.addEventListener("blur", () => pushMsg.flushPending());
      const sel = h("select", {
        class: "select select--compact", disabled: rowLocked || locked(key + ".chat_status"),
        "aria-label": t("settings.mapping.chat_aria", { row: label }),
      }, ["unchanged", ...CHAT_PRESENCES].map((c) => h("option", { value: c, selected: m.chat_status === c }, t("chat." + c))));
      sel.addEventListener("change", async () => {
        const changes = [{ key: key + ".chat_status", value: sel.value }];
        if (sel.value === "unchanged" && msg.value) changes.push({ key: key + ".chat_message", value: "" });
        if (await save(changes)) {
          msg.disabled = rowLocked || sel.value === "unchanged";
          if (sel.value === "unchanged") msg.value = "";
        }
      });
      const lk = lockOf(key);
      tbody.append(h("tr", { class: rowLocked ? "is-locked" : "" },
        h("th", { scope: "row", class: "col-status" },
          h("span", { class: "maprow" }, label, rowLocked ? h("span", { class: "lockbadge", title: t("settings.locked", { policy: lk?.policy || "" }) }, icon("lock", 13), h("span", { class: "sr-only" }, t("settings.locked_short"))) : null),
          h("span", { class: "maptable__dndlabel", "aria-hidden": "true" }, t("settings.mapping.col.dnd"))),
        ...radios,
        h("td", { class: "col-chat" }, sel),
        h("td", { class: "col-msg" }, msg, errorSlot(key))));
    }
    const anyLocked = ROWS.some((r) => locked(`mapping.${r}`));
    return section("mapping", "settings.section.mapping", "settings.mapping.intro",
      h("div", { class: "tablewrap" },
        h("table", { class: "maptable" },
          h("caption", { class: "sr-only" }, t("settings.section.mapping")),
          h("colgroup", {}, h("col", { class: "col-status" }), h("col"), h("col"), h("col"), h("col"), h("col")),
          h("thead", { class: "maptable__group" }, h("tr", {},
            h("td"), h("th", { colspan: "3", scope: "colgroup", class: "col-group" }, t("settings.mapping.col.dnd")), h("td"), h("td"))),
          head, tbody)),
      h("p", { class: "field__hint" }, t("settings.mapping.placeholders")),
      anyLocked ? h("p", { class: "locknote" }, icon("lock", 14), t("settings.mapping.locked_rows")) : null);
  }

  function reverse() {
    const key = "mapping.reverse";
    const current = get(key) || "busy_in_a_call";
    const opts = ["busy_in_a_call", "do_not_disturb_presenting", "off"].map((val) => {
      const id = `rev-${val}`;
      const r = h("input", { type: "radio", name: "reverse", id, value: val, checked: current === val, disabled: locked(key) });
      r.addEventListener("change", () => { if (r.checked) save([{ key, value: val }]); });
      return h("div", { class: "choice" }, r,
        h("label", { for: id }, h("span", { class: "choice__title" }, t(`settings.reverse.${val}`)), h("span", { class: "choice__desc" }, t(`settings.reverse.${val}_desc`))));
    });
    return section("reverse", "settings.section.reverse", "settings.reverse.intro",
      h("div", { class: "choices", role: "radiogroup", "aria-labelledby": "settings-reverse-title" }, opts), lockNote(key), errorSlot(key));
  }

  function hours() {
    const key = "sync.working_hours";
    const wh = get(key);
    const dis = locked(key);
    const state = { days: wh?.days || ["mon", "tue", "wed", "thu", "fri"], start: wh?.start || "08:00", end: wh?.end || "17:00", outside: wh?.outside || "leave_as_is" };
    const enabled = h("input", { type: "checkbox", id: "f-wh-enabled", checked: !!wh, disabled: dis });
    const names = weekdayNames("short");
    const longNames = weekdayNames("long");
    const dayBoxes = DAYS.map((d, i) => {
      const b = h("input", { type: "checkbox", id: `wh-${d}`, checked: state.days.includes(d), disabled: dis || !wh, "aria-label": longNames[i] });
      b.addEventListener("change", () => { state.days = DAYS.filter((x) => document.getElementById(`wh-${x}`).checked); push(); });
      return h("span", { class: "daybox" }, b, h("label", { for: `wh-${d}`, "aria-hidden": "true" }, names[i]));
    });
    const start = h("input", { type: "time", class: "input input--time", id: "wh-start", value: state.start, disabled: dis || !wh });
    const end = h("input", { type: "time", class: "input input--time", id: "wh-end", value: state.end, disabled: dis || !wh });
    const outside = h("select", { class: "select", id: "wh-outside", disabled: dis || !wh },
      ["leave_as_is", "dnd_on", "dnd_off"].map((o) => h("option", { value: o, selected: state.outside === o }, t("settings.hours.outside." + o))));
    const push = () => save([{ key, value: enabled.checked ? { ...state } : null }]);
    start.addEventListener("change", () => { if (start.value) { state.start = start.value; push(); } });
    end.addEventListener("change", () => { if (end.value) { state.end = end.value; push(); } });
    outside.addEventListener("change", () => { state.outside = outside.value; push(); });
    enabled.addEventListener("change", async () => {
      for (const el of [start, end, outside, ...dayBoxes.map((d) => d.firstChild)]) el.disabled = !enabled.checked;
      await push();
    });
    return section("hours", "settings.section.hours", "settings.hours.intro",
      h("div", { class: "field field--check" }, enabled, h("label", { for: "f-wh-enabled" }, t("settings.hours.enabled"))),
      h("div", { class: "hours" },
        h("div", { class: "field" }, h("span", { class: "field__label", id: "wh-days-label" }, t("settings.hours.days")),
          h("div", { class: "days", role: "group", "aria-labelledby": "wh-days-label" }, dayBoxes)),
        h("div", { class: "field" }, h("label", { class: "field__label", for: "wh-start" }, t("settings.hours.start")), start),
        h("div", { class: "field" }, h("label", { class: "field__label", for: "wh-end" }, t("settings.hours.end")), end),
        h("div", { class: "field" }, h("label", { class: "field__label", for: "wh-outside" }, t("settings.hours.outside")), outside)),
      lockNote(key), errorSlot(key));
  }

  function general() {
    const poll = h("input", { type: "number", class: "input input--num", min: "5", max: "300", step: "1", value: get("sync.poll_interval_secs") ?? 10 });
    const pushPoll = debounce(() => { if (poll.value !== "") save([{ key: "sync.poll_interval_secs", value: Number(poll.value) }]); }, TEXT_DEBOUNCE_MS);
    poll.addEventListener("input", () => pushPoll());
    poll.addEventListener("blur", () => pushPoll.flushPending());
    const lang = h("select", { class: "select" },
      [["auto", t("settings.language.auto", { lang: t("settings.language." + systemLang()) })], ["en", t("settings.language.en")], ["de", t("settings.language.de")]]
        .map(([val, label]) => h("option", { value: val, selected: (get("ui.language") || "auto") === val }, label)));
    lang.addEventListener("change", async () => { if (await save([{ key: "ui.language", value: lang.value }])) onLanguage(lang.value); });
    return section("general", "settings.section.general", null,
      checkbox("sync.enabled", "settings.sync_enabled", "settings.sync_enabled_hint"),
      field("sync.poll_interval_secs", "settings.poll_interval", poll, "settings.poll_interval_hint"),
      checkbox("ui.autostart", "settings.autostart"),
      checkbox("ui.tray_favourites_only", "settings.tray_favourites_only", "settings.tray_favourites_only_hint"),
      field("ui.language", "settings.language", lang));
  }

  function render() {
    if (!store.settings) return;
    // Not while the user types or chooses (a rebuild would lose it); a focused button holds nothing.
    const active = document.activeElement;
    if (root.contains(active) && active !== document.body && active.matches("input, select, textarea")) { dirtyRebuild = true; return; }
    dirtyRebuild = false;
    // A rebuild keeps the keyboard focus and the scroll position where they were: someone
    // tabbing through the settings must not be thrown back to the top by a state update.
    const FOCUSABLE = "button, input, select, textarea, [tabindex]";
    const focusAt = root.contains(active) ? [...body.querySelectorAll(FOCUSABLE)].indexOf(active) : -1;
    const scroller = root.querySelector(".screen__scroll");
    const scrollTop = scroller.scrollTop;
    errors.clear();
    clear(body);
    const kit = { get, locked, section, field, textInput, checkbox, save, errorSlot, lockNote };
    body.append(accounts(), mapping(), reverse(), hours(), hooksSection(kit, store), general());
    scroller.scrollTop = scrollTop;
    if (focusAt >= 0) body.querySelectorAll(FOCUSABLE)[focusAt]?.focus({ preventScroll: true });
  }

  root.addEventListener("focusout", () => setTimeout(() => { if (dirtyRebuild && !root.contains(document.activeElement)) render(); }, 0));

  return {
    root,
    render,
    force() { dirtyRebuild = false; const a = document.activeElement; a?.blur?.(); render(); },
    scrollTo(id) {
      // Scroll only the settings pane (scrollIntoView would also move the window's body).
      const el = document.getElementById(`settings-${id}`);
      const sc = root.querySelector(".screen__scroll");
      if (el && sc) sc.scrollTop += el.getBoundingClientRect().top - sc.getBoundingClientRect().top - 16;
    },
  };
}
