// Layout check, run in the real WebKit through WebDriver (tests/e2e/scenario_17_*). Test code,
// never loaded by the app. Looks at what is on screen now (the top bar, the visible screen, the
// contact card when open) and returns one line per problem:
// - an element wider than the window, or sticking out of its card, horizontally;
// - text cut off without an ellipsis and a tooltip (`title` on it or an ancestor);
// - a text block a few characters narrow but several lines tall (a squeezed column).
// An element inside a box that clips or scrolls is checked through that box: the box must not
// be wider inside than out.
// A WebDriver script body (it returns), not a module.
return (() => {
  const problems = [];
  const vw = document.documentElement.clientWidth;
  const EPS = 1;
  // The boxes an element must stay inside: the window's cards, tiles, panels and rows.
  const CARDS = ".tile, .panel, .synccontrols, .warning, .card__fields, .card__status, .card__notify, " +
    ".action, .account, .demopbx, .cert, .choice, .tablewrap, .card-pane, .list-pane, .search, .row, .topbar, .dialog, .toast";
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    const cls = typeof el.className === "string" ? el.className.trim().split(/\s+/).filter(Boolean).slice(0, 2) : [];
    if (cls.length) s += "." + cls.join(".");
    const text = (el.textContent || "").trim().replace(/\s+/g, " ");
    return text ? `${s} "${text.slice(0, 40)}"` : s;
  };
  const visible = (el) => {
    if (el.closest(".sr-only, [hidden], [aria-hidden='true'] svg")) return false;
    const st = getComputedStyle(el);
    if (st.display === "none" || st.visibility === "hidden") return false;
    const r = el.getBoundingClientRect();
    // Text for screen readers only (1x1 px, clipped) is meant to be invisible.
    if (r.width <= 1 && r.height <= 1) return false;
    return r.width > 0 || r.height > 0;
  };
  // The nearest ancestor that clips or scrolls horizontally, if any.
  const clipper = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if (ox !== "visible") return p;
    }
    return null;
  };
  const ownText = (el) => [...el.childNodes]
    .filter((n) => n.nodeType === Node.TEXT_NODE)
    .map((n) => n.textContent).join("").trim();
  const titled = (el) => !!el.closest("[title]:not([title=''])");

  const roots = [document.querySelector(".topbar"),
    ...document.querySelectorAll(".screen:not([hidden]), .overlay:not([hidden])")].filter(Boolean);
  for (const root of roots) {
    for (const el of [root, ...root.querySelectorAll("*")]) {
      if (el instanceof SVGElement && el.tagName.toLowerCase() !== "svg") continue;
      if (!visible(el)) continue;
      const r = el.getBoundingClientRect();
      const st = getComputedStyle(el);
      const text = ownText(el);
      // A box that clips or scrolls and is wider inside than out: something is cut off or
      // needs a sideways scroll. Only text with an ellipsis and a tooltip may be cut.
      if (st.overflowX !== "visible" && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + EPS) {
        if (!text) problems.push(`${describe(el)} is wider inside than out: content cut off or scrolled sideways (${el.scrollWidth} > ${el.clientWidth})`);
        else if (st.textOverflow !== "ellipsis") problems.push(`${describe(el)}: text cut off without an ellipsis`);
        else if (!titled(el)) problems.push(`${describe(el)}: text cut off with an ellipsis but no tooltip (title)`);
      }
      // Text spilling out of its own box.
      if (text && st.overflowX === "visible" && st.display !== "inline" && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + EPS) {
        problems.push(`${describe(el)}: text spills out of its box (${el.scrollWidth} > ${el.clientWidth})`);
      }
      // Out of the window or out of its card, unless a clipping box between them (checked
      // above) keeps it in.
      const clip = clipper(el);
      const card = el.parentElement && el.parentElement.closest(CARDS);
      if (!clip && (r.left < -EPS || r.right > vw + EPS)) {
        problems.push(`${describe(el)} is outside the window (${Math.round(r.left)}..${Math.round(r.right)}, window ${vw} wide)`);
      }
      if (card && !(clip && card.contains(clip) && clip !== card)) {
        const c = card.getBoundingClientRect();
        if (r.left < c.left - EPS || r.right > c.right + EPS) {
          problems.push(`${describe(el)} sticks out of its card ${describe(card)} ` +
            `(${Math.round(r.left)}..${Math.round(r.right)} in ${Math.round(c.left)}..${Math.round(c.right)})`);
        }
      }
      if (!text) continue;
      // A squeezed column: a few characters wide, several lines tall.
      const font = parseFloat(st.fontSize) || 14;
      const line = parseFloat(st.lineHeight) || font * 1.45;
      if (text.length > 6 && r.width < font * 3.5 && r.height > line * 3.5) {
        problems.push(`${describe(el)}: ${Math.round(r.width)} px wide and ${Math.round(r.height / line)} lines tall`);
      }
    }
  }
  if (document.documentElement.scrollWidth > vw + EPS) {
    problems.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${vw})`);
  }
  return [...new Set(problems)];
})();
