// A colleague's free/busy (`FreeBusy` in docs/UI-CONTRACT.md) in words: the contact card's line
// ("In a meeting until 14:30 · free from 15:00") and the list's short form ("free until 16:00").
// The backend already placed the times on the user's clock and calendar (hour, minute, today /
// tomorrow / a date); this file only picks the strings. It says what
// crates/window-model/src/free_busy.rs says for the tray and the notifications, from the same keys.
import { t } from "./i18n.js";

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

const pad = (n) => String(n).padStart(2, "0");

/** "Mon 9 Dec" / "Mo., 9. Dez." */
function dateText(date) {
  const weekday = WEEKDAYS.includes(date.weekday) ? t(`freebusy.weekday.${date.weekday}`) : date.weekday;
  return t("freebusy.date", { weekday, day: date.day, month: t(`freebusy.month.${date.month}`) });
}

/** "14:30", "tomorrow 08:00", "Mon 9 Dec, 08:00". */
function timeText(m) {
  const time = `${pad(m.hour)}:${pad(m.minute)}`;
  if (m.day === "tomorrow") return t("freebusy.tomorrow_at", { time });
  if (m.day === "later" && m.date) return t("freebusy.date_at", { date: dateText(m.date), time });
  return time;
}

/** The day only, except today: "13:00", "tomorrow", "Mon 9 Dec" (when an absence ends). */
function dayText(m) {
  if (m.day === "tomorrow") return t("freebusy.tomorrow");
  if (m.day === "later" && m.date) return dateText(m.date);
  return timeText(m);
}

/** The contact card's line; `null` while nothing is known (or for kinds this window does not know). */
export function freeBusyLine(fb) {
  if (!fb) return null;
  switch (fb.kind) {
    case "not_granted": return t("freebusy.not_granted");
    case "refused": return t("freebusy.refused");
    case "unavailable": return t("freebusy.unavailable");
    case "free": return fb.until ? t("freebusy.free_until", { time: timeText(fb.until) }) : t("freebusy.free");
    case "in_meeting": {
      const time = timeText(fb.until);
      const line = fb.tentative ? t("freebusy.tentative", { time }) : t("freebusy.in_meeting", { time });
      return fb.free_from ? t("freebusy.then_free", { line, time: timeText(fb.free_from) }) : line;
    }
    case "out_of_office":
      return fb.until ? t("freebusy.out_of_office_until", { day: dayText(fb.until) }) : t("freebusy.out_of_office");
    case "outside_working_hours":
      return fb.back ? t("freebusy.outside_hours_back", { time: timeText(fb.back) }) : t("freebusy.outside_hours");
    default: return null;
  }
}

/** The short form beside the status in the list; `null` when there is no line to show. */
export function freeBusyShort(fb) {
  if (!fb) return null;
  switch (fb.kind) {
    case "free": return fb.until ? t("freebusy.short.free_until", { time: timeText(fb.until) }) : t("freebusy.short.free");
    case "in_meeting": {
      const time = timeText(fb.until);
      return fb.tentative ? t("freebusy.short.tentative", { time }) : t("freebusy.short.in_meeting", { time });
    }
    case "out_of_office":
      return fb.until ? t("freebusy.short.out_of_office_until", { day: dayText(fb.until) }) : t("freebusy.short.out_of_office");
    case "outside_working_hours":
      return fb.back ? t("freebusy.short.outside_hours_back", { time: timeText(fb.back) }) : t("freebusy.short.outside_hours");
    default: return null;
  }
}

/** Whether the card's line explains why there is none (no permission, refused, unreadable). */
export function freeBusyMissing(fb) {
  return !!fb && ["not_granted", "refused", "unavailable"].includes(fb.kind);
}
