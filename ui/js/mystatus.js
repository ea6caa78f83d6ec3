// My status screen: own Teams and STARFACE state, sync controls, warnings, the journal.
import { h, clear } from "./dom.js";
import { t, formatDateTime, formatJournalTime, formatAge } from "./i18n.js";
import { api } from "./ipc.js";
import { makeDot, rowLabel, chatLabel, teamsPair } from "./status.js";
import { icon } from "./icons.js";
import { showError, toast } from "./toast.js";
import { journalText, journalTone } from "./journal.js";
import { fieldList, fieldRow } from "./fields.js";
import { hookResultsTile } from "./hooks.js";

export function createMyStatus(store, nav) {
  const warnings = h("div", { class: "warnings", "aria-live": "polite" });
  const overview = h("div", { class: "overview" });
  const controls = h("div", { class: "synccontrols" });
  const journal = h("ol", { class: "journal", "aria-labelledby": "journal-title" });
  const root = h("div", { class: "screen screen--status", id: "screen-status", role: "tabpanel", "aria-labelledby": "tab-status", hidden: true },
    h("div", { class: "screen__scroll" },
      warnings,
      overview,
      controls,
      h("section", { class: "panel" },
        h("h2", { id: "journal-title", class: "panel__title" }, t("journal.title")),
        h("p", { class: "panel__hint" }, t("journal.hint")),
        journal)));

  const run = (fn) => async () => { try { await fn(); } catch (e) { showError(e); } };

  function warningBox(w) {
    const p = w.params || {};
    const title = t(`warning.${w.kind}.title`, p);
    let body;
    const actions = [];
    switch (w.kind) {
      case "another_sync":
        // Without the counts (older backend) a text without numbers, never "undone 0 times".
        body = p.reverts ? t("warning.another_sync.body", p) : t("warning.another_sync.body_without_counts");
        actions.push(h("button", { type: "button", class: "btn btn--primary", onclick: run(() => api.decideConflict("keep_syncing")) }, t("warning.another_sync.keep")));
        actions.push(h("button", { type: "button", class: "btn", onclick: run(() => api.decideConflict("stop_syncing")) }, t("warning.another_sync.stop")));
        break;
      case "sign_in_required":
        body = t("warning.sign_in_required.body");
        actions.push(h("button", { type: "button", class: "btn btn--primary", onclick: run(() => api.signInMicrosoft()) }, t("settings.microsoft.sign_in")));
        break;
      case "paused":
        body = t("warning.paused.body", { time: formatDateTime(p.until) });
        actions.push(h("button", { type: "button", class: "btn btn--primary", onclick: run(() => api.resumeSync()) }, t("sync.resume")));
        break;
      case "stopped":
        body = t("warning.stopped.body");
        actions.push(h("button", { type: "button", class: "btn btn--primary", onclick: run(() => api.resumeSync()) }, t("sync.resume")));
        break;
      case "writes_failing":
        body = t("warning.writes_failing.body", { target: t("target." + p.target) });
        break;
      case "starface_unreachable":
      case "graph_unreachable":
        body = t(`warning.${w.kind}.body`, { message: p.message || "" });
        break;
      case "starface_login_rejected":
        body = t("warning.starface_login_rejected.body", { message: p.message || "" });
        actions.push(h("button", { type: "button", class: "btn", onclick: () => nav("settings", "accounts") }, t("warning.starface_login_rejected.action")));
        break;
      case "settings_file_invalid":
        body = t("warning.settings_file_invalid.body", { message: p.message || "" });
        break;
      case "policy_invalid":
        body = p.holds === "every_setting"
          ? t("warning.policy_invalid.body_every_setting", { message: p.message || "" })
          : t("warning.policy_invalid.body_listed_keys", { message: p.message || "" });
        break;
      case "certificate_untrusted":
        body = t("warning.certificate_untrusted.body");
        actions.push(h("button", { type: "button", class: "btn", onclick: () => nav("settings", "certificate") }, t("warning.certificate_untrusted.action")));
        break;
      case "starface_secret_needed":
        // Which secret and why ("missing", "stored_for_another_server", "classic_login_disabled").
        body = t(`warning.starface_secret_needed.${p.secret}.${p.need}`, { stored_for: p.stored_for || "" });
        actions.push(h("button", { type: "button", class: "btn btn--primary", onclick: () => nav("settings", "accounts") }, t("warning.starface_secret_needed.action")));
        break;
      default:
        body = t(`warning.${w.kind}.body`, p);
    }
    const tone = ["another_sync", "writes_failing", "graph_unreachable", "starface_unreachable", "starface_login_rejected", "certificate_untrusted", "sign_in_required", "settings_file_invalid", "starface_secret_needed", "policy_invalid"].includes(w.kind) ? "bad" : "info";
    return h("div", { class: `warning warning--${tone}`, role: tone === "bad" ? "alert" : "status" },
      icon(tone === "bad" ? "warning" : "info", 20),
      h("div", { class: "warning__text" },
        h("strong", {}, title === `warning.${w.kind}.title` ? w.kind : title),
        body && !body.startsWith("warning.") ? h("p", {}, body) : null),
      actions.length ? h("div", { class: "warning__actions" }, actions) : null);
  }

  function tile(titleKey, head, ...rows) {
    return h("section", { class: "tile" }, h("h2", { class: "tile__title" }, t(titleKey)), head,
      fieldList({ variant: "end" }, ...rows));
  }

  function kv(labelKey, value) {
    return fieldRow(t(labelKey), value);
  }

  // Where presence comes from, shown only when the organisation runs a relay.
  function presenceSourceRow(ps) {
    if (!ps || ps.kind === "graph") return null;
    let text;
    switch (ps.kind) {
      case "relay": text = t("presence_source.relay"); break;
      case "relay_starting": text = t("presence_source.relay_starting"); break;
      default:
        switch (ps.why) {
          case "no_relay": text = t("presence_source.direct.no_relay"); break;
          case "relay_cannot_reach_graph": text = t("presence_source.direct.relay_cannot_reach_graph"); break;
          case "unsupported_schema": text = t("presence_source.direct.unsupported_schema"); break;
          case "misconfigured": text = t("presence_source.direct.misconfigured"); break;
          default: text = t("presence_source.direct.unreachable");
        }
    }
    const tone = ps.kind === "relay" ? "good" : ps.kind === "direct" ? "bad" : "muted";
    // The details (a server's error, the settings key) as a tooltip: the connector's words.
    return kv("mystatus.presence_source", h("span", { class: `pill pill--${tone}`, title: ps.message || "" }, text));
  }

  function render() {
    const s = store.state;
    if (!s) return;
    clear(warnings);
    for (const w of s.warnings || []) warnings.appendChild(warningBox(w));

    const tm = s.own?.teams;
    const sf = s.own?.starface;
    clear(overview);
    overview.append(
      tile("mystatus.teams",
        h("div", { class: "bigstatus" }, makeDot(tm?.row || "unknown", 28),
          h("div", {},
            h("div", { class: "bigstatus__text" }, tm ? rowLabel(tm.row) : t("mystatus.not_read")),
            // Graph's own words only when they say more than the row ("Busy / In a meeting", not "Available" twice).
            tm && teamsPair(tm.availability, tm.activity) !== rowLabel(tm.row) ? h("div", { class: "bigstatus__sub" }, teamsPair(tm.availability, tm.activity)) : null)),
        tm?.status_message ? kv("mystatus.status_message", tm.status_message) : null,
        tm?.out_of_office ? kv("status.out_of_office", t("common.yes")) : null),
      tile("mystatus.starface", null,
        kv("mystatus.dnd", sf && sf.dnd !== null && sf.dnd !== undefined
          ? h("span", { class: `pill ${sf.dnd ? "pill--bad" : "pill--good"}` }, t(sf.dnd ? "mystatus.dnd_on" : "mystatus.dnd_off"))
          : t("mystatus.not_read")),
        // STARFACE's chat status is not read back: this is what the app last set, labelled as such.
        kv("mystatus.chat_set_by_app", sf?.chat ? (sf.chat.message ? t("mystatus.chat_value", { presence: chatLabel(sf.chat.presence), message: sf.chat.message }) : chatLabel(sf.chat.presence)) : t("mystatus.chat_not_set")),
        kv("mystatus.telephony", sf?.telephony ? t("phone_state." + (["available", "ringing", "active", "unavailable"].includes(sf.telephony) ? sf.telephony : "unknown")) : t("mystatus.not_read"))),
      tile("mystatus.sync", null,
        kv("mystatus.sync_state", h("span", { class: `pill pill--${s.sync.mode === "running" ? "good" : s.sync.mode === "conflict" ? "bad" : "muted"}` },
          t("sync.mode." + s.sync.mode, { time: s.sync.paused_until ? formatDateTime(s.sync.paused_until) : "" }))),
        kv("mystatus.last_sync", s.sync.last_sync ? `${formatDateTime(s.sync.last_sync)} (${formatAge(s.sync.last_sync)})` : t("mystatus.never")),
        presenceSourceRow(s.sync.presence_source),
        s.own?.row ? kv("mystatus.row", rowLabel(s.own.row)) : null),
      ...[hookResultsTile(s, tile, kv)].filter(Boolean));

    clear(controls);
    const paused = s.sync.mode === "paused" || s.sync.mode === "stopped";
    const pauseMenu = h("div", { class: "btngroup", role: "group", "aria-label": t("sync.pause") },
      h("span", { class: "btngroup__label" }, icon("pause", 16), t("sync.pause")),
      ...[["15m", "sync.pause_15m"], ["1h", "sync.pause_1h"], ["tomorrow", "sync.pause_tomorrow"]].map(([d, key]) =>
        h("button", { type: "button", class: "btn", onclick: run(async () => { await api.pauseSync(d); toast(t("toast.paused")); }) }, t(key))));
    controls.append(
      paused ? h("button", { type: "button", class: "btn btn--primary", onclick: run(() => api.resumeSync()) }, icon("play", 16), t("sync.resume")) : pauseMenu,
      h("button", { type: "button", class: "btn", disabled: paused, onclick: run(async () => { await api.syncNow(); toast(t("toast.synced")); }) }, icon("sync", 16), t("sync.sync_now")));

    clear(journal);
    const entries = [...(s.journal || [])].reverse();
    if (!entries.length) journal.appendChild(h("li", { class: "journal__empty" }, t("journal.empty")));
    for (const e of entries) {
      journal.appendChild(h("li", { class: `journal__entry journal__entry--${journalTone(e)}` },
        h("time", { class: "journal__time", datetime: new Date(e.at).toISOString(), title: formatDateTime(e.at) }, formatJournalTime(e.at)),
        h("span", { class: "journal__text" }, journalText(e))));
    }
  }

  return { root, render };
}
