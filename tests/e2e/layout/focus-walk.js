// Keyboard check, run in the real WebKit through WebDriver (tests/e2e/scenario_17_*): a WebDriver
// script body. Called once with "start" before the test presses Tab many times, and once with
// "finish" after. Returns, for "finish":
// - `unreached`: enabled controls on screen that Tab never reached (radio groups count once;
//   controls with tabindex="-1" are reached otherwise: arrow keys or shortcuts);
// - `no_ring`: controls that had the focus without a visible focus ring.
const phase = arguments[0];
const describe = (el) => {
  let s = el.tagName.toLowerCase();
  if (el.id) s += "#" + el.id;
  const label = el.getAttribute("aria-label") || (el.textContent || "").trim().replace(/\s+/g, " ");
  if (el.name) s += `[name=${el.name}]`;
  return label ? `${s} "${label.slice(0, 40)}"` : s;
};
const visible = (el) => {
  if (el.closest("[hidden], .sr-only")) return false;
  const st = getComputedStyle(el);
  if (st.visibility === "hidden" || st.display === "none") return false;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0;
};
// A ring: an outline on the control, or (for controls drawn by a wrapper) a box-shadow or
// outline on the wrapper that shows the focus (`.search:focus-within`, `.daybox` labels).
const ring = (el) => {
  const shown = (st) => (st.outlineStyle !== "none" && parseFloat(st.outlineWidth) > 0) || st.boxShadow !== "none";
  if (shown(getComputedStyle(el))) return true;
  const wrapper = el.closest(".search");
  if (wrapper && shown(getComputedStyle(wrapper))) return true;
  const label = el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
  if (el.matches(".daybox input") && el.nextElementSibling && shown(getComputedStyle(el.nextElementSibling))) return true;
  return !!(label && label.closest(".daybox") && shown(getComputedStyle(label)));
};
if (phase === "start") {
  window.__focusWalk = { seen: new Set(), noRing: [], order: [] };
  window.__focusWalkListener = (e) => {
    const el = e.target;
    if (!(el instanceof Element)) return;
    window.__focusWalk.seen.add(el);
    window.__focusWalk.order.push(describe(el));
    // :focus-visible applies once the focus moved; read the style after this event.
    setTimeout(() => { if (document.activeElement === el && !ring(el)) window.__focusWalk.noRing.push(describe(el)); }, 0);
  };
  document.addEventListener("focusin", window.__focusWalkListener);
  document.activeElement?.blur?.();
  return null;
}
document.removeEventListener("focusin", window.__focusWalkListener);
const scope = [document.querySelector(".topbar"), ...document.querySelectorAll(".screen:not([hidden])")];
const seen = window.__focusWalk.seen;
const seenRadioGroups = new Set([...seen].filter((el) => el.type === "radio").map((el) => el.name));
const unreached = [];
for (const root of scope) {
  for (const el of root.querySelectorAll("button, input, select, textarea, a[href], [tabindex]")) {
    if (el.disabled || el.getAttribute("tabindex") === "-1" || !visible(el)) continue;
    if (el.type === "radio" ? seenRadioGroups.has(el.name) : seen.has(el)) continue;
    // A control drawn by its label (the weekday boxes: the input is transparent on top).
    if (el.type === "checkbox" && el.closest(".daybox") && seen.has(el)) continue;
    unreached.push(describe(el));
  }
}
return { unreached, no_ring: [...new Set(window.__focusWalk.noRing)], reached: seen.size,
  last: window.__focusWalk.order.slice(-6) };
