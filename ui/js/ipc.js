// The only door to the backend. Everything the window does goes through `call` and `on`.
// Mirrors what @tauri-apps/api 2.x core.js / event.js do (invoke + the core event plugin),
// without the package: withGlobalTauri is false and there is no build step.

function internals() {
  const t = window.__TAURI_INTERNALS__;
  if (!t || typeof t.invoke !== "function") {
    throw { message: "Presence Bridge backend not available" };
  }
  return t;
}

/** Normalises any rejection into the contract's error shape `{key?, message}`. */
function toError(e) {
  if (e && typeof e === "object" && typeof e.message === "string") {
    return typeof e.key === "string" ? { key: e.key, message: e.message } : { message: e.message };
  }
  return { message: String(e) };
}

/** Calls a backend command; rejects with `{key?, message}`. */
export async function call(cmd, args = {}) {
  try {
    return await internals().invoke(cmd, args);
  } catch (e) {
    throw toError(e);
  }
}

/**
 * Listens to a backend event. `handler` gets the payload only.
 * Returns an async function that removes the listener.
 */
export async function on(event, handler) {
  const t = internals();
  const callbackId = t.transformCallback((message) => handler(message.payload));
  const eventId = await t.invoke("plugin:event|listen", {
    event,
    target: { kind: "Any" },
    handler: callbackId,
  });
  return async () => {
    window.__TAURI_EVENT_PLUGIN_INTERNALS__?.unregisterListener?.(event, eventId);
    await t.invoke("plugin:event|unlisten", { event, eventId });
  };
}

// Typed helpers: one per command of docs/UI-CONTRACT.md.
export const api = {
  getState: () => call("get_state"),
  getTranslations: (lang) => call("get_translations", { lang }),
  searchDirectory: (query) => call("search_directory", { query }),
  setFavourite: (colleagueId, favourite) => call("set_favourite", { colleagueId, favourite }),
  setNotifyWhenAvailable: (colleagueId, mode) =>
    call("set_notify_when_available", { colleagueId, mode }),
  openLink: (action) => call("open_link", { action }),
  copySip: (colleagueId) => call("copy_sip", { colleagueId }),
  pauseSync: (duration) => call("pause_sync", { duration }),
  resumeSync: () => call("resume_sync"),
  syncNow: () => call("sync_now"),
  decideConflict: (decision) => call("decide_conflict", { decision }),
  getSettings: () => call("get_settings"),
  saveSettings: (changes) => call("save_settings", { changes }),
  signInMicrosoft: () => call("sign_in_microsoft"),
  signOutMicrosoft: () => call("sign_out_microsoft"),
  saveStarfacePassword: (password) => call("save_starface_password", { password }),
  saveStarfaceClientSecret: (clientSecret) => call("save_starface_client_secret", { clientSecret }),
  inspectCertificate: () => call("inspect_certificate"),
  trustCertificate: (fingerprint) => call("trust_certificate", { fingerprint }),
  showCard: (colleagueId) => call("show_card", { colleagueId }),
  testHook: (hook) => call("test_hook", { hook }),
  saveHookSecret: (hook, secret) => call("save_hook_secret", { hook, secret }),
};
