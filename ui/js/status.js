// Status vocabulary: rows (as presence-core's StatusRow), their dot shape and colour, labels.
import { svg } from "./dom.js";
import { t, has } from "./i18n.js";

export const ROWS = [
  "available", "busy", "busy_phone", "busy_meeting", "presenting", "do_not_disturb",
  "be_right_back", "away", "offline", "out_of_office", "unknown",
];

export const CHAT_PRESENCES = ["available", "free_for_chat", "away", "extended_away", "do_not_disturb", "unavailable"];

/** Row -> tray icon shape. Colour comes from CSS (class `dot--<shape>` plus `dot--oof`). */
export function shapeOf(row) {
  switch (row) {
    case "available": return "available";
    case "busy": case "busy_phone": case "busy_meeting": return "busy";
    case "presenting": case "do_not_disturb": return "dnd";
    case "be_right_back": case "away": case "out_of_office": return "away";
    case "offline": return "offline";
    default: return "unknown";
  }
}

/** Builds the status dot as inline SVG (16x16 viewBox) with DOM APIs. */
export function makeDot(row, size = 14) {
  const el = svg("svg", { viewBox: "0 0 16 16", width: size, height: size, class: "dot", "aria-hidden": "true", focusable: "false" });
  setDot(el, row);
  return el;
}

/** Redraws an existing dot for another row (recycled list rows). */
export function setDot(el, row) {
  row = ROWS.includes(row) ? row : "unknown";
  if (el.dataset.row === row) return;
  el.dataset.row = row;
  const shape = shapeOf(row);
  el.setAttribute("class", `dot dot--${shape}${row === "out_of_office" ? " dot--oof" : ""}`);
  while (el.firstChild) el.removeChild(el.firstChild);
  const glyph = (d, extra = {}) => svg("path", { d, class: "dot__glyph", ...extra });
  switch (shape) {
    case "available":
      el.appendChild(svg("circle", { cx: 8, cy: 8, r: 7, class: "dot__fill" }));
      el.appendChild(glyph("M4.6 8.3 L7 10.6 L11.4 5.8"));
      break;
    case "busy":
      el.appendChild(svg("circle", { cx: 8, cy: 8, r: 7, class: "dot__fill" }));
      break;
    case "dnd":
      el.appendChild(svg("circle", { cx: 8, cy: 8, r: 7, class: "dot__fill" }));
      el.appendChild(glyph("M4.5 8 H11.5"));
      break;
    case "away":
      el.appendChild(svg("circle", { cx: 8, cy: 8, r: 7, class: "dot__fill" }));
      el.appendChild(glyph("M8 4.2 V8.3 L10.6 9.9"));
      break;
    case "offline":
      el.appendChild(svg("circle", { cx: 8, cy: 8, r: 6, class: "dot__ring" }));
      el.appendChild(svg("path", { d: "M5.8 5.8 L10.2 10.2 M10.2 5.8 L5.8 10.2", class: "dot__cross" }));
      break;
    default:
      el.appendChild(svg("circle", { cx: 8, cy: 8, r: 6, class: "dot__ring dot__ring--dashed" }));
      el.appendChild(svg("circle", { cx: 8, cy: 8, r: 1.4, class: "dot__centre" }));
  }
}

export function rowLabel(row) {
  return t("status." + (ROWS.includes(row) ? row : "unknown"));
}

export function chatLabel(presence) {
  return CHAT_PRESENCES.includes(presence) ? t("chat." + presence) : presence;
}

/** A Graph availability/activity value (open vocabulary) in the current language. */
export function graphLabel(value) {
  if (!value) return "";
  const key = "graph." + String(value).toLowerCase();
  return has(key) ? t(key) : String(value);
}

/** Graph's availability and activity, the activity only when it adds something ("Available", not "Available / Available"). */
export function teamsPair(availability, activity) {
  const a = graphLabel(availability), b = graphLabel(activity);
  return !b || a.toLowerCase() === b.toLowerCase() ? a : t("journal.teams_pair", { availability: a, activity: b });
}

/** What a colleague's row shows as status text. */
export function presenceText(p) {
  if (!p) return t("status.unknown");
  return rowLabel(p.row);
}

/** The STARFACE phone rings or is in a call (the merged status says so, whatever Teams says). */
export function phoneBusy(p) {
  const a = p?.status?.activity;
  return a === "on_the_phone" || a === "ringing";
}

/** The row whose dot a colleague gets: Teams' row, or busy while the phone is. */
export function dotRow(p) {
  if (!p) return "unknown";
  return phoneBusy(p) ? "busy" : (p.row || "unknown");
}

/** The merged status as words: "On the phone", "Ringing" or the Teams row, then the phone's marks. */
export function statusText(p) {
  if (!p) return t("status.unknown");
  const parts = [phoneBusy(p) ? t("status." + p.status.activity) : rowLabel(p.row)];
  if (p.status?.phone_dnd) parts.push(t("status.mark.phone_dnd"));
  if (p.status?.calls_forwarded) parts.push(t("status.mark.calls_forwarded"));
  return parts.join(" · ");
}
