// Colleagues screen: search, a virtualised list (fixed heights, recycled nodes), the contact card
// with actions, and the per-colleague keyboard shortcuts.
import { h, append, clear, setText, debounce } from "./dom.js";
import { t, formatAge, formatDateTime, formatNumber } from "./i18n.js";
import { api } from "./ipc.js";
import { makeDot, setDot, phoneBusy, dotRow, statusText as mergedText, chatLabel } from "./status.js";
import { icon } from "./icons.js";
import { toast, showError } from "./toast.js";
import { freeBusyLine, freeBusyShort, freeBusyMissing } from "./freebusy.js";
import { fieldList, fieldRow } from "./fields.js";

const ROW_H = 56;
/** As the stylesheet's narrow layout (app.css: the card covers the list). */
const NARROW = window.matchMedia("(max-width: 760px)");
const HEADER_H = 32;
const OVERSCAN = 6;

export function createColleagues(store) {
  let items = [];          // {type:"header", section, count} | {type:"row", id}
  let tops = [];           // y offset of each item
  let total = 0;
  let selected = -1;       // index into items (a row)
  let query = "";
  let searching = false;
  let lastResponse = null;
  const pool = [];         // recycled row nodes
  const headerPool = [];

  // ---- Layout ----
  const search = h("input", {
    type: "search", id: "search", class: "search__input", autocomplete: "off", spellcheck: "false",
    "data-i18n-placeholder": "colleagues.search.placeholder", "data-i18n-aria": "colleagues.search.label",
    "aria-controls": "colleague-list",
  });
  const count = h("span", { class: "search__count", "aria-live": "polite" });
  const spacer = h("div", { class: "vlist__spacer" });
  const viewport = h("div", {
    id: "colleague-list", class: "vlist", role: "listbox", tabindex: "0",
    "data-i18n-aria": "colleagues.list.label",
  }, spacer);
  const empty = h("div", { class: "vlist__empty", hidden: true });
  const card = h("section", { class: "card-pane", "aria-labelledby": "card-name", tabindex: "-1" });
  const root = h("div", { class: "screen screen--colleagues", id: "screen-colleagues", role: "tabpanel", "aria-labelledby": "tab-colleagues" },
    h("div", { class: "list-pane" },
      h("div", { class: "search" }, icon("search", 16), search, count),
      h("div", { class: "vlist__wrap" }, viewport, empty)),
    card);

  // ---- Data ----
  const searchNow = async (q) => {
    searching = true;
    renderEmpty();
    try {
      const asked = store.pushes;
      const res = await api.searchDirectory(q);
      if (res.query !== query) return; // a newer query is on its way
      lastResponse = res;
      for (const c of res.colleagues) store.put(c, asked);
      buildItems(res.colleagues.map((c) => c.id));
    } catch (e) {
      showError(e);
    } finally {
      searching = false;
      renderEmpty();
    }
  };
  const runSearch = debounce(searchNow, 120);

  search.addEventListener("input", () => {
    query = search.value.trim();
    runSearch(query);
  });
  search.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || (e.key === "Enter" && !e.isComposing)) {
      e.preventDefault();
      if (firstRow() >= 0) {
        if (selected < 0) select(firstRow());
        viewport.focus();
      }
    } else if (e.key === "Escape" && search.value) {
      e.preventDefault();
      e.stopPropagation();
      search.value = "";
      query = "";
      runSearch.flush("");
    }
  });

  function buildItems(ids) {
    const prevId = items[selected]?.id;
    const favs = [], rest = [];
    for (const id of ids) (store.byId.get(id)?.favourite ? favs : rest).push(id);
    items = [];
    if (favs.length) items.push({ type: "header", section: "favourites", count: favs.length });
    for (const id of favs) items.push({ type: "row", id });
    if (rest.length) items.push({ type: "header", section: query ? "results" : "directory", count: rest.length });
    for (const id of rest) items.push({ type: "row", id });
    tops = new Array(items.length);
    let y = 0;
    for (let i = 0; i < items.length; i++) { tops[i] = y; y += items[i].type === "row" ? ROW_H : HEADER_H; }
    total = y;
    spacer.style.height = `${total}px`;
    const n = favs.length + rest.length;
    setText(count, n === 1 ? t("colleagues.count_one") : n ? t("colleagues.count", { count: formatNumber(n) }) : "");
    const keep = prevId ? items.findIndex((it) => it.id === prevId) : -1;
    selected = keep >= 0 ? keep : -1;
    if (selected < 0 && n) selected = firstRow();
    for (const node of pool) node.dataset.key = "";
    render();
    renderCard();
    renderEmpty();
  }

  function renderEmpty() {
    const has = items.some((it) => it.type === "row");
    empty.hidden = has;
    viewport.hidden = !has;
    if (!has) {
      const signedIn = store.state?.accounts?.microsoft?.state === "signed_in";
      setText(empty, searching ? t("colleagues.searching")
        : !signedIn ? t("colleagues.empty.signed_out")
        : query ? t("colleagues.empty.no_match", { query }) : t("colleagues.empty.none"));
    }
  }

  // ---- Virtualised rendering ----
  function firstVisible(y) {
    let lo = 0, hi = items.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (tops[mid] <= y) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  function makeRow() {
    const dot = makeDot("unknown", 14);
    const name = h("span", { class: "row__name" });
    const fav = h("span", { class: "row__fav", hidden: true }, icon("star", 13));
    const status = h("span", { class: "row__status" });
    const freeBusy = h("span", { class: "row__freebusy", hidden: true });
    const phone = h("span", { class: "badge badge--phone", hidden: true }, icon("call", 12), h("span", { class: "badge__text" }));
    const meta = h("span", { class: "row__meta" });
    const age = h("span", { class: "row__age" });
    const bell = h("span", { class: "row__bell", hidden: true }, icon("bell", 13));
    // What only icons show (favourite, alert) and staleness, for screen readers.
    const extra = h("span", { class: "sr-only" });
    // Mouse shortcuts for the card's actions (C, T by key, or the card's buttons): not controls,
    // as an option in a listbox holds none, and hidden from assistive technology.
    const quick = (kind, ic, label) => h("span", {
      class: "iconbtn iconbtn--quick", "data-kind": kind, "data-i18n-title": label, title: t(label),
    }, icon(ic, 16));
    const quicks = h("span", { class: "row__quick", "aria-hidden": "true" }, quick("teams_chat", "chat", "action.chat"), quick("teams_call", "call", "action.call"));
    const node = h("div", { class: "row", role: "option", "aria-selected": "false" },
      dot,
      h("div", { class: "row__main" },
        h("div", { class: "row__line1" }, name, fav, bell),
        h("div", { class: "row__line2" }, status, freeBusy, phone, meta)),
      h("div", { class: "row__side" }, age, quicks),
      extra);
    node.parts = { dot, name, fav, status, freeBusy, phone, meta, age, bell, extra, phoneText: phone.lastChild };
    node.addEventListener("mousedown", (e) => {
      if (e.target.closest(".iconbtn--quick")) return;
      e.preventDefault();
      select(Number(node.dataset.index));
      viewport.focus();
    });
    node.addEventListener("dblclick", () => openCard());
    // A narrow window has no room for the card beside the list: one click opens it.
    node.addEventListener("click", (e) => { if (!e.target.closest(".iconbtn--quick") && NARROW.matches) openCard(); });
    quicks.addEventListener("click", (e) => {
      const b = e.target.closest(".iconbtn--quick");
      if (b) act(b.dataset.kind, items[Number(node.dataset.index)]?.id);
    });
    spacer.appendChild(node);
    return node;
  }

  function makeHeader() {
    const node = h("div", { class: "vlist__header", role: "presentation" });
    spacer.appendChild(node);
    return node;
  }

  function fillRow(node, index) {
    const item = items[index];
    const c = store.byId.get(item.id);
    if (!c) return;
    const p = c.presence;
    const now = Date.now();
    node.dataset.index = index;
    node.id = `colleague-${index}`;
    node.style.transform = `translateY(${tops[index]}px)`;
    node.setAttribute("aria-selected", index === selected ? "true" : "false");
    node.setAttribute("aria-posinset", String(index + 1));
    node.setAttribute("aria-setsize", String(items.length));
    node.classList.toggle("row--selected", index === selected);
    node.classList.toggle("row--stale", !p || !!p.stale);
    const { dot, name, fav, status, phone, meta, age, bell } = node.parts;
    setDot(dot, dotRow(p));
    setText(name, c.display_name);
    fav.hidden = !c.favourite;
    bell.hidden = !c.notify;
    const statusText = mergedText(p) + (p?.out_of_office && p.row !== "out_of_office" ? ` · ${t("status.out_of_office")}` : "");
    setText(status, statusText);
    const short = freeBusyShort(c.free_busy);
    node.parts.freeBusy.hidden = !short;
    if (short) setText(node.parts.freeBusy, short);
    // The words are in the status text; the badge only marks a busy phone.
    phone.hidden = !phoneBusy(p);
    setText(node.parts.phoneText, "");
    setText(meta, [c.job_title, c.department].filter(Boolean).join(" · "));
    // The row's lines end in "…" when the list is narrow: the whole text as its tooltip.
    node.title = [c.display_name, [statusText, short, meta.textContent].filter(Boolean).join(" · ")].join("\n");
    fillAge(age, p, now);
    // The option's name is its visible text (WCAG 2.5.3) and these words.
    const marks = [p?.stale ? t("colleagues.stale_short") : "", c.favourite ? t("colleagues.favourite") : "",
      c.notify ? t("action.notify") : ""].filter(Boolean);
    setText(node.parts.extra, marks.length ? ", " + marks.join(", ") : "");
  }

  /** The row's only text that moves with the clock: "5 min. ago" (and when a stale one was read). */
  function fillAge(age, p, now) {
    setText(age, p?.updated_at ? formatAge(p.updated_at, now) : t("colleagues.age.none"));
    const title = p?.stale ? t("colleagues.stale", { time: p.updated_at ? formatDateTime(p.updated_at) : "—" }) : "";
    if (age.title !== title) age.title = title;
  }

  /** The minute's refresh: the ages of the rows on screen. Nothing else in a row moves with the
   *  clock, so nothing else is written. */
  function refreshAges() {
    const now = Date.now();
    for (const node of pool) {
      if (node.hidden) continue;
      const c = store.byId.get(items[Number(node.dataset.index)]?.id);
      if (c) fillAge(node.parts.age, c.presence, now);
    }
  }

  function render() {
    if (!items.length) {
      for (const n of pool) n.hidden = true;
      for (const n of headerPool) n.hidden = true;
      viewport.removeAttribute("aria-activedescendant");
      return;
    }
    const top = viewport.scrollTop;
    const height = viewport.clientHeight || 600;
    const first = Math.max(0, firstVisible(top) - OVERSCAN);
    let last = firstVisible(top + height) + OVERSCAN;
    last = Math.min(items.length - 1, last);
    let r = 0, hd = 0;
    for (let i = first; i <= last; i++) {
      const it = items[i];
      if (it.type === "header") {
        const node = headerPool[hd] || (headerPool[hd] = makeHeader());
        hd++;
        node.hidden = false;
        node.style.transform = `translateY(${tops[i]}px)`;
        setText(node, `${t("colleagues.section." + it.section)} · ${formatNumber(it.count)}`);
      } else {
        const node = pool[r] || (pool[r] = makeRow());
        r++;
        node.hidden = false;
        fillRow(node, i);
      }
    }
    for (; r < pool.length; r++) pool[r].hidden = true;
    for (; hd < headerPool.length; hd++) headerPool[hd].hidden = true;
    if (selected >= first && selected <= last) viewport.setAttribute("aria-activedescendant", `colleague-${selected}`);
    else viewport.removeAttribute("aria-activedescendant");
  }

  let raf = 0;
  viewport.addEventListener("scroll", () => {
    if (!raf) raf = requestAnimationFrame(() => { raf = 0; render(); });
  }, { passive: true });
  new ResizeObserver(() => render()).observe(viewport);

  // ---- Selection and keyboard ----
  function firstRow() { return items.findIndex((it) => it.type === "row"); }
  function lastRow() { for (let i = items.length - 1; i >= 0; i--) if (items[i].type === "row") return i; return -1; }
  function step(from, dir) {
    let i = from + dir;
    while (i >= 0 && i < items.length && items[i].type !== "row") i += dir;
    return i >= 0 && i < items.length ? i : from;
  }

  function select(index) {
    if (index < 0 || index >= items.length || items[index].type !== "row") return;
    selected = index;
    const y = tops[index];
    const vh = viewport.clientHeight;
    if (y < viewport.scrollTop + (index <= 1 ? HEADER_H : 0)) viewport.scrollTop = Math.max(0, y - (items[index - 1]?.type === "header" ? HEADER_H : 0));
    else if (y + ROW_H > viewport.scrollTop + vh) viewport.scrollTop = y + ROW_H - vh;
    render();
    renderCard();
  }

  viewport.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const page = Math.max(1, Math.floor(viewport.clientHeight / ROW_H) - 1);
    let next = null;
    switch (e.key) {
      case "ArrowDown": next = selected < 0 ? firstRow() : step(selected, 1); break;
      case "ArrowUp": next = selected <= firstRow() ? null : step(selected, -1); if (next === null) { e.preventDefault(); search.focus(); return; } break;
      case "PageDown": next = selected; for (let k = 0; k < page; k++) next = step(next, 1); break;
      case "PageUp": next = selected; for (let k = 0; k < page; k++) next = step(next, -1); break;
      case "Home": next = firstRow(); break;
      case "End": next = lastRow(); break;
      case "Enter": e.preventDefault(); openCard(); return;
      default: return;
    }
    e.preventDefault();
    if (next !== null && next >= 0) select(next);
  });

  function current() {
    const it = items[selected];
    return it && it.type === "row" ? store.byId.get(it.id) : null;
  }

  // ---- Actions ----
  async function act(kind, id, extra = {}) {
    const c = id ? store.byId.get(id) : current();
    if (!c) return;
    try {
      if (kind === "copy_sip") {
        const res = await api.copySip(c.id);
        toast(t("toast.copied", { value: res.copied }));
      } else if (kind === "favourite") {
        await api.setFavourite(c.id, !c.favourite);
        c.favourite = !c.favourite;
        toast(t(c.favourite ? "toast.favourite_added" : "toast.favourite_removed", { name: c.display_name }));
        buildItems(items.filter((it) => it.type === "row").map((it) => it.id));
      } else if (kind === "notify") {
        const mode = extra.mode !== undefined ? extra.mode : c.notify === null || c.notify === undefined ? "once" : c.notify === "once" ? "always" : null;
        await api.setNotifyWhenAvailable(c.id, mode);
        c.notify = mode;
        toast(t(mode ? `toast.notify_${mode}` : "toast.notify_off", { name: c.display_name }));
        render();
        renderCard();
      } else {
        const action = { kind, colleague_id: c.id };
        if (extra.phone !== undefined) action.phone = extra.phone;
        await api.openLink(action);
      }
    } catch (e) {
      showError(e);
    }
  }

  // ---- Contact card ----
  /** "Away – At lunch": a colleague's STARFACE chat status, as text. */
  function starfaceChat(chat) {
    if (!chat) return null;
    return [chatLabel(chat.presence), chat.message].filter(Boolean).join(" – ");
  }

  function field(labelKey, value, opts) {
    return fieldRow(t(labelKey), value, opts);
  }

  /** "On the phone · Phone on DND": the colleague's STARFACE line and its marks, when known. */
  function phoneLine(p) {
    if (!p?.phone) return null;
    const known = ["available", "ringing", "active", "unavailable"].includes(p.phone) ? p.phone : "unknown";
    const parts = [t("phone_state." + known)];
    if (p.status?.phone_dnd) parts.push(t("status.mark.phone_dnd"));
    if (p.status?.calls_forwarded) parts.push(t("status.mark.calls_forwarded"));
    return parts.join(" · ");
  }

  function actionButton(kind, ic, labelKey, key, enabled, extra) {
    return h("button", {
      type: "button", class: "action", disabled: !enabled, "aria-keyshortcuts": key,
      onclick: () => act(kind, undefined, extra),
    }, icon(ic, 18), h("span", { class: "action__label" }, t(labelKey)), h("kbd", { class: "action__key", "aria-hidden": "true" }, key));
  }

  // The bridge reads the calendar of the colleague whose card is on screen (none while the
  // window is hidden).
  let cardShown;
  function tellCard(id) {
    const wanted = document.hidden ? null : id;
    if (wanted === cardShown) return;
    cardShown = wanted;
    api.showCard(wanted).catch(() => {});
  }
  document.addEventListener("visibilitychange", () => tellCard(current()?.id ?? null));

  function renderCard() {
    const c = current();
    tellCard(c?.id ?? null);
    clear(card);
    if (!c) {
      card.appendChild(h("div", { class: "card-pane__empty" }, icon("person", 40), h("p", {}, t("card.none_selected"))));
      return;
    }
    const p = c.presence;
    const dot = makeDot(dotRow(p), 18);
    const phones = [];
    if (c.starface_number) phones.push({ label: t("phone.starface"), number: c.starface_number, index: -1 });
    (c.phones || []).forEach((ph, i) => phones.push({ label: t("phone." + (["business", "mobile", "home"].includes(ph.kind) ? ph.kind : "other")), number: ph.number, index: i }));
    const hasPhone = phones.length > 0;
    const notifyGroup = h("div", { class: "segmented", role: "radiogroup", "aria-labelledby": "notify-label" },
      ...[[null, "action.notify_off"], ["once", "action.notify_once"], ["always", "action.notify_always"]].map(([mode, key]) =>
        h("button", {
          type: "button", role: "radio", class: "segmented__item", "aria-checked": (c.notify ?? null) === mode ? "true" : "false",
          onclick: () => act("notify", c.id, { mode }),
        }, t(key))));

    append(card, [
      h("header", { class: "card__head" },
        h("div", { class: "avatar", "aria-hidden": "true" }, initials(c.display_name)),
        h("div", { class: "card__title" },
          h("h2", { id: "card-name", class: "card__name" }, c.display_name),
          h("div", { class: "card__job" }, [c.job_title, c.department].filter(Boolean).join(" · "))),
        h("button", {
          type: "button", class: `iconbtn star${c.favourite ? " star--on" : ""}`, "aria-pressed": c.favourite ? "true" : "false",
          "aria-label": t(c.favourite ? "action.favourite_remove" : "action.favourite_add"), title: t(c.favourite ? "action.favourite_remove" : "action.favourite_add"),
          "aria-keyshortcuts": "F", onclick: () => act("favourite"),
        }, icon("star", 18)),
        h("button", { type: "button", class: "iconbtn card__close", "aria-label": t("card.close"), onclick: closeCard }, icon("close", 18))),
      h("div", { class: `card__status${p?.stale ? " card__status--stale" : ""}` },
        dot,
        h("span", { class: "card__statustext" }, mergedText(p)),
        phoneBusy(p) ? h("span", { class: "badge badge--phone", "aria-hidden": "true" }, icon("call", 12)) : null,
        h("span", { class: "card__age" }, p?.updated_at ? t("card.updated", { age: formatAge(p.updated_at) }) : t("colleagues.age.none"))),
      // What the colleague is doing now, then (below the actions) who they are: the same rows.
      fieldList({ class: "card__fields card__now" },
        freeBusyRow(c.free_busy),
        field("mystatus.telephony", phoneLine(p)),
        field("mystatus.status_message", p?.status_message),
        p?.out_of_office ? field("card.out_of_office", p.out_of_office_message || t("common.yes")) : null,
        field("card.starface_chat", starfaceChat(p?.starface_chat))),
      h("div", { class: "card__actions", role: "group", "aria-label": t("card.actions") },
        actionButton("teams_chat", "chat", "action.chat", "C", !!(c.user_principal_name || c.mail)),
        actionButton("teams_call", "call", "action.call", "T", !!(c.user_principal_name || c.mail)),
        actionButton("email", "email", "action.email", "E", !!c.mail),
        actionButton("phone", "phone", "action.phone", "P", hasPhone),
        actionButton("copy_sip", "copy", "action.copy_sip", "S", !!c.sip_address)),
      h("div", { class: "card__notify" },
        h("span", { id: "notify-label", class: "card__notifylabel" }, icon("bell", 16), t("action.notify")),
        notifyGroup),
      fieldList({ class: "card__fields" },
        field("card.job_title", c.job_title),
        field("card.department", c.department),
        field("card.office", c.office_location),
        field("card.email", c.mail),
        field("card.sip", c.sip_address),
        field("card.phones", phones.map((ph) => h("div", { class: "phone" },
          h("span", { class: "phone__label" }, ph.label),
          h("button", { type: "button", class: "link", onclick: () => act("phone", c.id, ph.index >= 0 ? { phone: ph.index } : {}) }, ph.number))), { valueClass: "card__phones" })),
    ]);
  }

  /** "In a meeting until 14:30 · free from 15:00", or why there is no such line. */
  function freeBusyRow(fb) {
    const line = freeBusyLine(fb);
    if (!line) return null;
    return fieldRow(t("freebusy.label"), line, {
      valueClass: "card__freebusytext", class: freeBusyMissing(fb) ? "card__freebusy--missing" : null,
    });
  }

  function initials(name) {
    const parts = String(name || "").replace(/[^\p{L}\s-]/gu, "").split(/[\s-]+/).filter(Boolean);
    return ((parts[0]?.[0] || "?") + (parts.length > 1 ? parts[parts.length - 1][0] : "")).toUpperCase();
  }

  function openCard() {
    if (!current()) return;
    root.classList.add("card-open");
    card.focus();
  }

  function closeCard() {
    root.classList.remove("card-open");
    viewport.focus();
  }

  card.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { e.preventDefault(); closeCard(); }
  });

  /** Letter shortcuts for the selected colleague (list or card focused). */
  function shortcut(e) {
    const inside = viewport.contains(e.target) || card.contains(e.target);
    if (!inside || e.ctrlKey || e.metaKey || e.altKey) return false;
    const map = { c: "teams_chat", t: "teams_call", e: "email", p: "phone", s: "copy_sip", f: "favourite", n: "notify" };
    const kind = map[e.key.toLowerCase()];
    if (!kind || !current()) return false;
    e.preventDefault();
    act(kind);
    return true;
  }

  return {
    root,
    focusSearch() { search.focus(); search.select(); },
    shortcut,
    refreshLanguage() { render(); renderCard(); buildItems(items.filter((it) => it.type === "row").map((it) => it.id)); },
    /** Presence updates for some colleagues: re-render visible rows only. */
    presenceChanged(ids) {
      render();
      const c = current();
      if (c && ids.has(c.id)) renderCard();
    },
    /** The state snapshot changed favourites or alerts: search again so the order is right. */
    reload() { runSearch.flush(query); },
    /** The minute's refresh of the ages. */
    tick() { refreshAges(); },
    /** The screen is shown again: every row on screen as it is now. */
    shown() { render(); },
    start() { runSearch.flush(""); },
    /** Opens `id`'s contact card (the tray's "Open contact card"): the list without a query,
     *  the colleague selected, the card shown. */
    async showCard(id) {
      if (query) {
        search.value = "";
        query = "";
      }
      await searchNow("");
      let index = items.findIndex((it) => it.type === "row" && it.id === id);
      if (index < 0 && store.byId.has(id)) {
        // Watched, but beyond the list's first page: put them on top.
        buildItems([id, ...items.filter((it) => it.type === "row").map((it) => it.id)]);
        index = items.findIndex((it) => it.type === "row" && it.id === id);
      }
      if (index < 0) return;
      select(index);
      openCard();
    },
  };
}
