// Short messages at the bottom of the window (a polite live region).
import { h } from "./dom.js";
import { t } from "./i18n.js";

let region;
export function toastRegion() {
  region = h("div", { class: "toasts", role: "status", "aria-live": "polite" });
  return region;
}

export function toast(text, kind = "info") {
  if (!region) return;
  const el = h("div", { class: `toast toast--${kind}` }, text);
  region.appendChild(el);
  setTimeout(() => el.classList.add("toast--out"), 3200);
  setTimeout(() => el.remove(), 3600);
}

export function showError(e) {
  toast(t("toast.error", { message: e?.message || String(e) }), "error");
}
