// Journal entries arrive structured ({at, kind, params, text}); render them with translated templates.
import { t, has, formatDateTime, formatNumber } from "./i18n.js";
import { rowLabel, chatLabel, teamsPair } from "./status.js";

const onOff = (on) => t(on ? "common.on" : "common.off");
const teams = (p) => teamsPair(p.availability, p.activity);

function dnd(d) {
  if (!d) return "";
  return t("decision.dnd." + d.kind, { state: onOff(d.on) });
}

function chat(c) {
  if (!c) return "";
  if ((c.kind === "set" || c.kind === "already_set") && c.message) {
    return t(`decision.chat.${c.kind}_message`, { presence: chatLabel(c.presence), message: c.message });
  }
  return t("decision.chat." + c.kind, { presence: chatLabel(c.presence) });
}

function held(reason) {
  return reason ? t("journal.held", { reason: t("hold." + reason) }) : "";
}

function session(s) {
  return t("session." + s);
}

function command(c) {
  switch (c?.kind) {
    case "set_dnd": return t("command.set_dnd", { state: onOff(c.on) });
    case "set_chat_status":
      return c.message ? t("command.set_chat_status_message", { presence: chatLabel(c.presence), message: c.message })
        : t("command.set_chat_status", { presence: chatLabel(c.presence) });
    case "set_teams_session": return t("command.set_teams_session", { session: session(c.presence), minutes: c.minutes });
    case "clear_teams_session": return t("command.clear_teams_session");
    case "notify": return t("command.notify");
    default: return c?.kind || "";
  }
}

/** One entry as text in the current language; unknown kinds fall back to the backend's English text. */
export function journalText(entry) {
  const p = entry.params || {};
  switch (entry.kind) {
    case "teams_changed":
      return t(p.out_of_office ? "journal.teams_changed_oof" : "journal.teams_changed",
        { teams: teams(p), dnd: dnd(p.dnd), chat: chat(p.chat), row: rowLabel(p.row) }) + held(p.held);
    case "reapplied":
      return t(p.row ? "journal.reapplied_row" : "journal.reapplied",
        { cause: t("cause." + p.cause), dnd: dnd(p.dnd), chat: chat(p.chat), row: p.row ? rowLabel(p.row) : "" }) + held(p.held);
    case "flicker_ignored":
      return t("journal.flicker_ignored", { row: rowLabel(p.row), seconds: formatNumber(p.lasted_ms / 1000, { maximumFractionDigits: 1 }) });
    case "own_session_ignored": return t("journal.own_session_ignored", { teams: teams(p) });
    case "manual_dnd": return t("journal.manual_dnd", { state: onOff(p.dnd) });
    case "manual_chat": return t("journal.manual_chat", { presence: chatLabel(p.presence) });
    case "another_sync_suspected": return t("journal.another_sync_suspected", p);
    case "conflict_decided": return t("journal.conflict_decided." + p.decision);
    case "paused": return t("journal.paused", { time: formatDateTime(p.until) });
    case "pause_ended": return t("journal.pause_ended");
    case "resumed": return t("journal.resumed");
    case "working_hours_ended":
      return p.outside === "leave_as_is" ? t("journal.working_hours_ended_leave") : t("journal.working_hours_ended", { dnd: dnd(p.dnd) });
    case "call_started":
      return p.session ? t("journal.call_started_session", { session: session(p.session) }) : t("journal.call_started");
    case "call_ended": return t("journal.call_ended");
    case "command_succeeded": return t("journal.command_succeeded", { command: command(p.command) });
    case "command_failed": return t("journal.command_failed", { command: command(p.command), reason: p.reason });
    case "writes_failing": return t("journal.writes_failing", { target: t("target." + p.target) });
    case "options_rejected": return t("journal.options_rejected", { reason: p.reason });
    case "options_changed": return t("journal.options_changed");
    default:
      return entry.text || entry.kind;
  }
}

/** A coarse category for the entry's icon colour. */
export function journalTone(entry) {
  switch (entry.kind) {
    case "command_failed": case "writes_failing": case "options_rejected": case "another_sync_suspected": return "bad";
    case "command_succeeded": return "good";
    case "paused": case "manual_dnd": case "manual_chat": case "flicker_ignored": case "own_session_ignored": return "muted";
    default: return "info";
  }
}

export { has };
