// One label/value row, the same component everywhere (the contact card, My status, the
// certificate): the value sits beside its label while both fit and moves below the label when
// space is short; long values wrap at word boundaries (never one letter per line).
import { h } from "./dom.js";

/**
 * A list of rows (`<dl class="fields">`). `variant` "end" right-aligns the values (the My status
 * tiles); the default lines them up after a label column (the contact card).
 */
export function fieldList(attrs, ...rows) {
  const { variant, class: extra, ...rest } = attrs || {};
  const cls = ["fields", variant ? `fields--${variant}` : null, extra].filter(Boolean).join(" ");
  return h("dl", { class: cls, ...rest }, ...rows);
}

/**
 * One row: `label` (text) and `value` (text or nodes). Nothing when there is no value.
 * `opts.valueClass`/`opts.valueId` name the value for scripts and tests; `opts.class` the row.
 */
export function fieldRow(label, value, opts = {}) {
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return null;
  return h("div", { class: `fields__row${opts.class ? " " + opts.class : ""}` },
    h("dt", { class: "fields__label" }, label),
    h("dd", { class: `fields__value${opts.valueClass ? " " + opts.valueClass : ""}`, id: opts.valueId }, value));
}
