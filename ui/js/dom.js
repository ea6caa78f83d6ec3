// Tiny DOM helpers. Text goes in through textContent only; nothing here parses HTML.

/**
 * h("div", {class: "x", "aria-label": "y", onclick: fn}, child, "text", ...)
 * Attribute values are set with setAttribute; children that are strings become text nodes.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

const SVG = "http://www.w3.org/2000/svg";
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.appendChild(c);
  return el;
}

/** Sets textContent only when it changed (cheap for recycled rows). */
export function setText(el, text) {
  const s = text == null ? "" : String(text);
  if (el.textContent !== s) el.textContent = s;
}

export function debounce(fn, ms) {
  let timer;
  let pending = null;
  const d = (...args) => {
    clearTimeout(timer);
    pending = args;
    timer = setTimeout(() => { pending = null; fn(...args); }, ms);
  };
  d.flush = (...args) => {
    clearTimeout(timer);
    pending = null;
    fn(...args);
  };
  /** Runs a call still waiting now; nothing when none waits (leaving a field unchanged saves nothing). */
  d.flushPending = () => {
    if (!pending) return;
    const args = pending;
    clearTimeout(timer);
    pending = null;
    fn(...args);
  };
  return d;
}
