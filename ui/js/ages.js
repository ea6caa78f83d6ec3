// The only thing in the page that changes with the clock: relative times ("5 min. ago"). The
// backend sends changes only, so nothing else needs a timer. Ages are refreshed once a minute
// while the window is on screen, never while it is hidden or minimised (WebKit reports both as
// `document.visibilityState` "hidden"), and at once when it comes back.

const MINUTE = 60000;

/** Calls `refresh` once a minute while the page is visible, and when it becomes visible. */
export function refreshAgesEveryMinute(refresh) {
  let timer = 0;
  const schedule = () => {
    clearTimeout(timer);
    timer = 0;
    if (document.visibilityState !== "visible") return;
    timer = setTimeout(() => { refresh(); schedule(); }, MINUTE);
  };
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refresh();
    schedule();
  });
  schedule();
}
