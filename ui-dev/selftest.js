// Dev only: ?selftest=1 drives the preview with synthetic key presses and writes PASS/FAIL lines into
// <pre id="selftest"> (read it with `chromium --headless --dump-dom`).
const q = new URLSearchParams(location.search);
if (q.get("selftest")) run();

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }
function key(el, k, opts = {}) { el.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...opts })); }

async function run() {
  const out = [];
  const ok = (name, cond, detail = "") => out.push(`${cond ? "PASS" : "FAIL"} ${name}${detail ? " — " + detail : ""}`);
  while (!document.documentElement.dataset.ready) await sleep(20);
  await sleep(300);
  const list = document.getElementById("colleague-list");
  const rows = () => [...list.querySelectorAll(".row")].filter((r) => !r.hidden);
  ok("5,000 colleagues listed", /5[,.]000/.test(document.querySelector(".search__count").textContent), document.querySelector(".search__count").textContent);
  ok("virtualised: few row nodes", list.querySelectorAll(".row").length < 60, String(list.querySelectorAll(".row").length));
  ok("hostile names are text", rows().some((r) => r.textContent.includes("<img src=x onerror=alert(1)>")) && document.querySelectorAll("img").length === 0 && document.querySelectorAll("script").length === 3);
  list.focus();
  key(list, "ArrowDown"); key(list, "ArrowDown");
  await sleep(50);
  const sel = list.querySelector(".row--selected .row__name")?.textContent;
  ok("arrow keys move the selection", sel && document.getElementById("card-name")?.textContent === sel, sel);
  await sleep(300);
  ok("the card shows the colleague's free/busy", !!document.querySelector(".card__freebusytext")?.textContent, document.querySelector(".card__freebusytext")?.textContent);
  key(list, "End");
  await sleep(100);
  ok("End scrolls to the last colleague", list.scrollTop > 100000 && list.querySelectorAll(".row").length < 60, `scrollTop ${list.scrollTop}`);
  key(list, "c");
  await sleep(50);
  ok("C opens Teams chat via open_link", window.__mockLog.some((l) => l.open_link.kind === "teams_chat"));
  key(list, "Enter");
  await sleep(20);
  ok("Enter opens the card", document.activeElement?.classList.contains("card-pane"));
  key(document.activeElement, "Escape");
  key(document.body, "F1");
  await sleep(20);
  ok("F1 opens the help", !document.querySelector(".overlay").hidden);
  key(document.body, "Escape");
  ok("Esc closes the help", document.querySelector(".overlay").hidden);
  const search = document.getElementById("search");
  search.value = "mueller";
  search.dispatchEvent(new Event("input"));
  await sleep(400);
  const names = rows().map((r) => r.querySelector(".row__name").textContent);
  ok("search filters", names.length > 0 && !/5[,.]000/.test(document.querySelector(".search__count").textContent), document.querySelector(".search__count").textContent);
  ok("\"mueller\" finds Müller", names.some((n) => n.includes("Müller")), names.slice(0, 5).join(", "));
  key(document.body, "3", { altKey: true });
  await sleep(100);
  ok("Alt+3 shows settings", !document.getElementById("screen-settings").hidden);
  const poll = document.getElementById("f-sync-poll_interval_secs");
  ok("locked key is disabled", poll?.disabled === true);
  const url = document.getElementById("f-starface-url");
  url.value = "http://insecure";
  url.dispatchEvent(new Event("input"));
  url.dispatchEvent(new Event("blur"));
  await sleep(200);
  const err = url.parentElement.querySelector(".field__error");
  ok("save error shown inline", err && !err.hidden && err.textContent.includes("https"), err?.textContent);
  const locked = document.querySelector('input[name="dnd-busy_meeting"]');
  ok("locked mapping row disabled", locked?.disabled === true);
  const pw = document.getElementById("f-starface-password");
  pw.value = "secret";
  key(pw, "Enter");
  await sleep(50);
  ok("password cleared after sending", pw.value === "");
  const lang = document.getElementById("f-ui-language");
  lang.value = "de";
  lang.dispatchEvent(new Event("change"));
  await sleep(400);
  ok("language switches at runtime", document.documentElement.lang === "de" && document.getElementById("tab-settings").textContent.includes("Einstellungen"));
  const pre = document.createElement("pre");
  pre.id = "selftest";
  pre.textContent = out.join("\n");
  document.body.appendChild(pre);
  document.title = out.some((l) => l.startsWith("FAIL")) ? "SELFTEST FAIL" : "SELFTEST PASS";
}
