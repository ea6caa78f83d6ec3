// Entry point: wires the backend (ipc.js) to the three screens, the header and the help overlay.
import { h, clear } from "./dom.js";
import { api, on } from "./ipc.js";
import { t, setLang, resolveLang, currentLang, applyStatic } from "./i18n.js";
import { makeDot, rowLabel } from "./status.js";
import { icon } from "./icons.js";
import { toastRegion, showError } from "./toast.js";
import { createColleagues } from "./colleagues.js";
import { createMyStatus } from "./mystatus.js";
import { createSettings } from "./settings.js";
import { refreshAgesEveryMinute } from "./ages.js";

const store = {
  state: null,
  settings: null,
  byId: new Map(),
  /** Counts the presences the backend pushed (`state` and `colleagues` events) ... */
  pushes: 0,
  /** ... and when each colleague's was pushed last (the count then). */
  pushedAt: new Map(),
  /** Adds or updates a colleague; keeps the newer presence of the two. `asked` is the push
   *  count when the data was asked for (a search): a presence pushed since then is newer than
   *  the answer's, which was read before (a phone call that ended while a search was on its way
   *  keeps the same Teams `updated_at`, so that cannot tell). Pushed data has no `asked`. */
  put(c, asked) {
    if (asked === undefined) this.pushedAt.set(c.id, ++this.pushes);
    const old = this.byId.get(c.id);
    if (!old) { this.byId.set(c.id, c); return; }
    const pushedSince = asked !== undefined && (this.pushedAt.get(c.id) ?? 0) > asked;
    const olderTeams = old.presence && c.presence && (old.presence.updated_at || 0) > (c.presence.updated_at || 0);
    const keep = pushedSince || olderTeams ? old.presence : c.presence;
    Object.assign(old, c, { presence: keep ?? old.presence });
  },
  /** A presence the `colleagues` event pushed: the newest there is. */
  pushPresence(id, presence) {
    const c = this.byId.get(id);
    if (!c) return false;
    c.presence = presence;
    this.pushedAt.set(id, ++this.pushes);
    return true;
  },
};

const SCREENS = ["colleagues", "status", "settings"];
let screen = "colleagues";
let screens = {};
let colleagues, myStatus, settings;
// A button: it leads to "My status", and its text is cut short (or hidden) in a narrow window,
// so the whole text is its name and tooltip.
const ownPill = h("button", { type: "button", class: "ownstatus" });
const tabs = h("nav", { class: "tabs", role: "tablist", "data-i18n-aria": "nav.label" });
const helpBtn = h("button", { type: "button", class: "iconbtn", "data-i18n-aria": "help.open", "data-i18n-title": "help.open", "aria-keyshortcuts": "F1" }, icon("keyboard", 18));
const help = h("div", { class: "overlay", hidden: true });
let lastFocus = null;

function buildShell() {
  const app = document.getElementById("app");
  clear(app);
  colleagues = createColleagues(store);
  myStatus = createMyStatus(store, navigate);
  settings = createSettings(store, changeLanguage);
  screens = { colleagues: colleagues.root, status: myStatus.root, settings: settings.root };
  clear(tabs);
  const tabIcons = { colleagues: "people", status: "person", settings: "gear" };
  SCREENS.forEach((s, i) => {
    tabs.appendChild(h("button", {
      type: "button", role: "tab", id: `tab-${s}`, class: "tab", "aria-controls": `screen-${s}`,
      "aria-selected": s === screen ? "true" : "false", tabindex: s === screen ? "0" : "-1", "aria-keyshortcuts": `Alt+${i + 1}`,
      onclick: () => navigate(s),
    }, icon(tabIcons[s], 17), h("span", { "data-i18n": `nav.${s}` })));
  });
  tabs.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
    const i = SCREENS.indexOf(screen) + (e.key === "ArrowRight" ? 1 : -1);
    navigate(SCREENS[(i + SCREENS.length) % SCREENS.length]);
    document.getElementById(`tab-${screen}`).focus();
  });
  helpBtn.onclick = openHelp;
  app.append(
    h("header", { class: "topbar" },
      h("div", { class: "brand" }, h("span", { class: "brand__mark", "aria-hidden": "true" }), h("span", { class: "brand__name", "data-i18n": "app.title" })),
      tabs, h("div", { class: "topbar__right" }, ownPill, helpBtn)),
    h("main", { class: "main" }, colleagues.root, myStatus.root, settings.root),
    help,
    toastRegion());
  applyStatic(app);
  buildHelp();
}

function navigate(s, section) {
  if (!SCREENS.includes(s)) return;
  screen = s;
  for (const [name, el] of Object.entries(screens)) el.hidden = name !== s;
  for (const b of tabs.querySelectorAll('[role="tab"]')) {
    const sel = b.id === `tab-${s}`;
    b.setAttribute("aria-selected", sel ? "true" : "false");
    b.tabIndex = sel ? 0 : -1;
  }
  if (s === "settings") { settings.render(); if (section) requestAnimationFrame(() => settings.scrollTo(section)); }
  if (s === "status") myStatus.render();
  if (s === "colleagues") colleagues.shown();
}

function renderOwnPill() {
  const s = store.state;
  clear(ownPill);
  if (!s) return;
  const row = s.own?.teams?.row || "unknown";
  const parts = [`${t("mystatus.teams")}: ${s.own?.teams ? rowLabel(row) : "—"}`];
  const dnd = s.own?.starface?.dnd;
  if (dnd !== undefined && dnd !== null) parts.push(`${t("mystatus.starface")}: ${t(dnd ? "ownstatus.dnd_on" : "ownstatus.dnd_off")}`);
  ownPill.append(makeDot(row, 14), h("span", { class: "ownstatus__text" }, parts.join(" · ")));
  ownPill.title = parts.join(" · ");
  ownPill.setAttribute("aria-label", parts.join(" · "));
  if (s.sync?.mode && s.sync.mode !== "running") {
    ownPill.append(h("span", { class: `pill pill--${s.sync.mode === "conflict" ? "bad" : "muted"}` }, t("ownstatus.mode." + s.sync.mode)));
  }
  ownPill.onclick = () => navigate("status");
}

// ---- Help overlay ----
const SHORTCUTS = [
  [["/", "keys.ctrl_f"], "help.k.search"],
  [["↑", "↓"], "help.k.navigate"],
  [["keys.page_up", "keys.page_down", "keys.home", "keys.end"], "help.k.jump"],
  [["keys.enter"], "help.k.open_card"],
  [["C"], "help.k.chat"],
  [["T"], "help.k.call"],
  [["E"], "help.k.email"],
  [["P"], "help.k.phone"],
  [["S"], "help.k.copy"],
  [["F"], "help.k.favourite"],
  [["N"], "help.k.notify"],
  [["Alt+1", "Alt+2", "Alt+3"], "help.k.screens"],
  [["F1", "?"], "help.k.help"],
  [["keys.esc"], "help.k.close"],
];

function buildHelp() {
  clear(help);
  const close = h("button", { type: "button", class: "iconbtn", "aria-label": t("help.close"), onclick: closeHelp }, icon("close", 18));
  help.append(h("div", { class: "dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": "help-title", tabindex: "-1" },
    h("div", { class: "dialog__head" }, h("h2", { id: "help-title" }, t("help.title")), close),
    h("p", { class: "panel__hint" }, t("help.intro")),
    h("table", { class: "keys" }, h("tbody", {}, SHORTCUTS.map(([keys, desc]) =>
      h("tr", {}, h("td", { class: "keys__keys" }, keys.map((k, i) => [i ? " " : "", h("kbd", {}, k.startsWith("keys.") ? t(k) : k)])), h("td", {}, t(desc)))))),
    // Where colleagues' phone state comes from, and that older PBXs have none.
    h("p", { class: "panel__hint" }, t("help.phone_state"))));
  help.addEventListener("mousedown", (e) => { if (e.target === help) closeHelp(); });
}

function openHelp() {
  lastFocus = document.activeElement;
  help.hidden = false;
  help.querySelector(".dialog").focus();
}

function closeHelp() {
  help.hidden = true;
  lastFocus?.focus?.();
}

function isTyping(el) {
  return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
}

document.addEventListener("keydown", (e) => {
  if (!help.hidden) {
    if (e.key === "Escape") { e.preventDefault(); closeHelp(); }
    else if (e.key === "Tab") { e.preventDefault(); help.querySelector("button").focus(); }
    return;
  }
  if (e.altKey && !e.ctrlKey && ["1", "2", "3"].includes(e.key)) {
    e.preventDefault();
    navigate(SCREENS[Number(e.key) - 1]);
    return;
  }
  if (e.key === "F1" || (e.key === "?" && !isTyping(e.target))) { e.preventDefault(); openHelp(); return; }
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "f") { e.preventDefault(); navigate("colleagues"); colleagues.focusSearch(); return; }
  if (e.key === "/" && !isTyping(e.target)) { e.preventDefault(); navigate("colleagues"); colleagues.focusSearch(); return; }
  if (screen === "colleagues" && !isTyping(e.target)) colleagues.shortcut(e);
});

// ---- Backend wiring ----
let lastWatchKey = "";
let lastAccounts = "";

function applyState(s) {
  store.state = s;
  for (const c of s.colleagues || []) store.put(c);
  const watchKey = (s.colleagues || []).map((c) => `${c.id}:${c.favourite ? 1 : 0}:${c.notify || ""}`).join(",");
  if (watchKey !== lastWatchKey) { lastWatchKey = watchKey; colleagues.reload(); }
  else colleagues.presenceChanged(new Set((s.colleagues || []).map((c) => c.id)));
  renderOwnPill();
  if (screen === "status") myStatus.render();
  const acc = JSON.stringify(s.accounts || {});
  if (acc !== lastAccounts) { lastAccounts = acc; if (screen === "settings") settings.render(); }
}

async function changeLanguage(setting) {
  await setLang(resolveLang(setting));
  buildShell();
  navigate(screen);
  renderOwnPill();
  colleagues.start();
}

/** Where the window opens: the `navigate` event's fields in the URL fragment when the backend
 *  built the window for the tray's "Settings" or "Open contact card" (it has no listener yet). */
function navigationAtLoad() {
  const params = new URLSearchParams(location.hash.slice(1));
  const to = { screen: params.get("screen"), section: params.get("section"), colleague: params.get("colleague") };
  return to.screen ? to : null;
}

async function main() {
  try {
    store.settings = await api.getSettings();
    await setLang(resolveLang(store.settings?.values?.ui?.language));
    buildShell();
    await on("state", applyState);
    await on("colleagues", (delta) => {
      const ids = new Set();
      for (const { id, presence } of delta.presence || []) {
        if (store.pushPresence(id, presence)) ids.add(id);
      }
      for (const { id, free_busy } of delta.free_busy || []) {
        const c = store.byId.get(id);
        if (c) { c.free_busy = free_busy; ids.add(id); }
      }
      colleagues.presenceChanged(ids);
    });
    await on("settings", async (view) => {
      const before = resolveLang(store.settings?.values?.ui?.language);
      store.settings = view;
      if (resolveLang(view?.values?.ui?.language) !== before) await changeLanguage(view.values.ui.language);
      else if (screen === "settings") settings.render();
    });
    await on("navigate", (p) => {
      navigate(p.screen, p.section);
      // The tray's "Open contact card".
      if (p.screen === "colleagues" && p.colleague) colleagues.showCard(p.colleague);
    });
    // Asked for after the listeners are in place, so no change falls between the two. The
    // backend answers from the state it holds (no round trip to any server).
    applyState(await api.getState());
    const atLoad = navigationAtLoad();
    navigate(atLoad?.screen || screen, atLoad?.section);
    colleagues.start();
    if (atLoad?.screen === "colleagues" && atLoad.colleague) colleagues.showCard(atLoad.colleague);
    // `last_sync` moves with every poll without being pushed, so the status screen asks for it.
    refreshAgesEveryMinute(() => {
      colleagues.tick();
      if (screen === "status") api.getState().then(applyState, showError);
    });
    window.addEventListener("languagechange", () => {
      if ((store.settings?.values?.ui?.language || "auto") === "auto") changeLanguage("auto");
    });
    document.documentElement.dataset.ready = "true";
  } catch (e) {
    const app = document.getElementById("app");
    clear(app);
    app.append(h("div", { class: "fatal", role: "alert" }, h("h1", {}, "Presence Bridge"), h("p", {}, e?.message || String(e))));
    showError(e);
  }
}

main();
export { currentLang };
