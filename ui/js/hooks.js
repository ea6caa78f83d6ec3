// Status hooks (docs/HOOKS.md): the "Hooks" settings section and the hooks' last results on
// "My status". Settings go through `save_settings` like every other key; the MQTT password and
// the webhook's signing secret go to the keychain (`save_hook_secret`) and are never shown;
// "Send test" sends the current status once (`test_hook`).
import { h } from "./dom.js";
import { t, formatDateTime, formatAge } from "./i18n.js";
import { api } from "./ipc.js";
import { toast } from "./toast.js";

/** The last "Send test" answer per hook, shown again when the section is rebuilt. */
const lastTests = new Map();

/** One argument per line (arguments may hold spaces); an empty list for an empty box. */
function argLines(text) {
  return text.split("\n").map((line) => line.trim()).filter((line) => line !== "");
}

/**
 * The "Hooks" settings section. `kit` is the settings screen's toolkit: get, locked, section,
 * field, textInput, checkbox, save, errorSlot, lockNote, numberInput.
 */
export function hooksSection(kit, store) {
  const { get, locked, field, textInput, checkbox, errorSlot } = kit;
  const secrets = store.settings?.secrets || {};

  function secretField(hook, stored, labelKey) {
    const key = hook === "mqtt" ? "hooks.mqtt.password" : "hooks.webhook.secret";
    const id = `f-${key.replace(/\./g, "-")}`;
    const input = h("input", { type: "password", class: "input", id, autocomplete: "new-password", placeholder: t(stored ? "settings.hooks.secret_replace" : "settings.hooks.secret_placeholder") });
    const error = errorSlot(key);
    const saveIt = async () => {
      const value = input.value;
      input.value = "";
      if (!value) return;
      try {
        await api.saveHookSecret(hook, value);
        toast(t("settings.hooks.secret_saved"));
        error.hidden = true;
      } catch (e) {
        error.textContent = t("settings.error", { message: e.message });
        error.hidden = false;
      }
    };
    input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); saveIt(); } });
    return h("div", { class: "field", id: `${id}-field` },
      h("label", { class: "field__label", for: id }, t(labelKey)),
      h("div", { class: "inline" }, input, h("button", { type: "button", class: "btn", onclick: saveIt }, t("settings.starface.password_save"))),
      h("div", { class: "field__hint" }, t(stored ? "settings.hooks.secret_stored" : "settings.hooks.secret_missing")),
      error);
  }

  function testButton(hook) {
    const id = `hook-test-${hook}`;
    const shown = lastTests.get(hook);
    const result = h("span", { class: `field__hint${shown ? " field__hint--" + shown.tone : ""}`, id, role: "status", "aria-live": "polite" }, shown ? shown.text : "");
    // The section may be rebuilt while a test runs (focus moved on): the answer goes to the
    // element on screen then, and is kept for the next rebuild.
    const say = (text, tone) => {
      lastTests.set(hook, { text, tone });
      const el = document.getElementById(id);
      if (el) { el.textContent = text; el.className = `field__hint field__hint--${tone}`; }
    };
    const button = h("button", {
      type: "button", class: "btn", id: `${id}-button`,
      onclick: async () => {
        button.disabled = true;
        say(t("settings.hooks.testing"), "busy");
        try {
          const outcome = await api.testHook(hook);
          if (outcome.ok) say(t("settings.hooks.test_ok"), "ok");
          else say(t("settings.hooks.test_failed", { message: outcome.error || "" }), "bad");
        } catch (e) {
          say(t("settings.hooks.test_failed", { message: e.message }), "bad");
        } finally {
          button.disabled = false;
        }
      },
    }, t("settings.hooks.test"));
    return h("div", { class: "inline" }, button, result);
  }

  function numberInput(key, min, max) {
    const input = h("input", { type: "number", class: "input input--num", min: String(min), max: String(max), step: "1", value: get(key) ?? "" });
    input.addEventListener("change", () => { if (input.value !== "") kit.save([{ key, value: Number(input.value) }]); });
    return input;
  }

  function argsBox(key) {
    const box = h("textarea", { class: "input", rows: "3", spellcheck: "false" });
    box.value = (get(key) || []).join("\n");
    box.addEventListener("change", () => kit.save([{ key, value: argLines(box.value) }]));
    return box;
  }

  function hookBlock(hook, ...fields) {
    const key = `hooks.${hook}`;
    return h("div", { class: `account${locked(key) ? " is-locked" : ""}`, id: `settings-hooks-${hook}` },
      h("h3", { class: "subhead" }, t(`settings.hooks.${hook}.title`)),
      h("p", { class: "field__hint" }, t(`settings.hooks.${hook}.intro`)),
      checkbox(`${key}.enabled`, "settings.hooks.enabled"),
      ...fields,
      testButton(hook));
  }

  return kit.section("hooks", "settings.section.hooks", "settings.hooks.intro",
    checkbox("hooks.include_status_message", "settings.hooks.include_status_message", "settings.hooks.include_status_message_hint"),
    hookBlock("mqtt",
      field("hooks.mqtt.url", "settings.hooks.url", textInput("hooks.mqtt.url", { placeholder: "mqtts://broker.example.com" }), "settings.hooks.mqtt.url_hint"),
      field("hooks.mqtt.username", "settings.hooks.mqtt.username", textInput("hooks.mqtt.username")),
      secretField("mqtt", secrets.hook_mqtt_password, "settings.hooks.mqtt.password"),
      field("hooks.mqtt.topic_prefix", "settings.hooks.mqtt.topic_prefix", textInput("hooks.mqtt.topic_prefix")),
      checkbox("hooks.mqtt.retain", "settings.hooks.mqtt.retain"),
      checkbox("hooks.mqtt.home_assistant", "settings.hooks.mqtt.home_assistant"),
      field("hooks.mqtt.discovery_prefix", "settings.hooks.mqtt.discovery_prefix", textInput("hooks.mqtt.discovery_prefix")),
      field("hooks.mqtt.ca_file", "settings.hooks.ca_file", textInput("hooks.mqtt.ca_file")),
      checkbox("hooks.mqtt.allow_insecure", "settings.hooks.mqtt.allow_insecure", "settings.hooks.mqtt.allow_insecure_hint")),
    hookBlock("webhook",
      field("hooks.webhook.url", "settings.hooks.url", textInput("hooks.webhook.url", { type: "url", placeholder: "https://dashboard.example.com/presence" })),
      secretField("webhook", secrets.hook_webhook_secret, "settings.hooks.webhook.secret"),
      h("div", { class: "grid2" },
        field("hooks.webhook.timeout_secs", "settings.hooks.timeout", numberInput("hooks.webhook.timeout_secs", 1, 60)),
        field("hooks.webhook.retries", "settings.hooks.webhook.retries", numberInput("hooks.webhook.retries", 0, 10))),
      field("hooks.webhook.ca_file", "settings.hooks.ca_file", textInput("hooks.webhook.ca_file"))),
    hookBlock("command",
      field("hooks.command.program", "settings.hooks.command.program", textInput("hooks.command.program", { placeholder: "busylight" })),
      field("hooks.command.args", "settings.hooks.command.args", argsBox("hooks.command.args"), "settings.hooks.command.args_hint"),
      field("hooks.command.timeout_secs", "settings.hooks.timeout", numberInput("hooks.command.timeout_secs", 1, 300))));
}

/** "My status": one line per running hook with its last result; `null` when none runs. */
export function hookResultsTile(state, tile, kv) {
  const results = state?.hooks || [];
  if (!results.length) return null;
  return tile("mystatus.hooks", ...results.map((r) => {
    const last = r.last;
    let text;
    let tone;
    if (!last) {
      text = t("mystatus.hook_waiting");
      tone = "muted";
    } else if (last.error) {
      text = t("mystatus.hook_failed", { time: formatDateTime(last.at), message: last.error });
      tone = "bad";
    } else {
      text = t("mystatus.hook_ok", { time: formatDateTime(last.at), age: formatAge(last.at) });
      tone = "good";
    }
    return h("div", { class: "hookresult", id: `hook-result-${r.hook}` },
      kv(`settings.hooks.${r.hook}.title`, h("span", { class: `pill pill--${tone}` }, text)),
      r.connected === false ? h("div", { class: "field__hint field__hint--bad" }, t("mystatus.hook_disconnected")) : null);
  }));
}
