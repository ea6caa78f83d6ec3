// Line icons (24x24, stroke) built with DOM APIs.
import { svg } from "./dom.js";

const PATHS = {
  chat: "M4 5h16v11H9l-5 4z",
  call: "M6.6 3.5h3l1.5 4-2 1.3a11 11 0 0 0 6.1 6.1l1.3-2 4 1.5v3a2 2 0 0 1-2.2 2A17 17 0 0 1 4.6 5.7a2 2 0 0 1 2-2.2z",
  email: "M3.5 6h17v12h-17z M3.5 6.5l8.5 6.5 8.5-6.5",
  phone: "M8 2.5h8v19H8z M11 18.5h2",
  copy: "M9 9h11v11H9z M5 15H4V4h11v1",
  star: "M12 3.5l2.6 5.4 5.9.8-4.3 4.1 1 5.8L12 16.8 6.8 19.6l1-5.8L3.5 9.7l5.9-.8z",
  bell: "M6 16V11a6 6 0 0 1 12 0v5l1.5 2h-15z M10 20.5h4",
  search: "M10.5 4a6.5 6.5 0 1 1 0 13 6.5 6.5 0 0 1 0-13z M15.5 15.5L20 20",
  close: "M6 6l12 12M18 6L6 18",
  pause: "M8 5v14M16 5v14",
  play: "M7 5l12 7-12 7z",
  sync: "M19 8a7.5 7.5 0 0 0-13.4-1.5M5 16a7.5 7.5 0 0 0 13.4 1.5 M4.5 3.5v3.5H8 M19.5 20.5V17H16",
  lock: "M6.5 11h11v9h-11z M9 11V8a3 3 0 0 1 6 0v3",
  warning: "M12 3.5l9.5 16.5h-19z M12 10v4.5 M12 17.2v.3",
  info: "M12 3.5a8.5 8.5 0 1 1 0 17 8.5 8.5 0 0 1 0-17z M12 11v5.5 M12 7.8v.3",
  people: "M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7z M2.5 20a6.5 6.5 0 0 1 13 0 M16 4.3a3.5 3.5 0 0 1 0 6.4 M18 14.5a6.5 6.5 0 0 1 3.5 5.5",
  person: "M12 11.5a4 4 0 1 0 0-8 4 4 0 0 0 0 8z M4.5 20.5a7.5 7.5 0 0 1 15 0",
  gear: "M12 9a3 3 0 1 1 0 6 3 3 0 0 1 0-6z M12 2.5v3 M12 18.5v3 M2.5 12h3 M18.5 12h3 M5.3 5.3l2.1 2.1 M16.6 16.6l2.1 2.1 M5.3 18.7l2.1-2.1 M16.6 7.4l2.1-2.1",
  keyboard: "M3 6.5h18v11H3z M6.5 10h1 M10 10h1 M13.5 10h1 M17 10h.5 M7.5 14h9",
  chevron: "M8 10l4 4 4-4",
  calendar: "M4 6h16v14H4z M4 10.5h16 M8.5 3.5v5 M15.5 3.5v5",
};

export function icon(name, size = 18) {
  return svg("svg", { viewBox: "0 0 24 24", width: size, height: size, class: `icon icon--${name}`, "aria-hidden": "true", focusable: "false" },
    svg("path", { d: PATHS[name] || PATHS.info }));
}
