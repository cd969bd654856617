/* The Widget, AI and Routing sections: forms for the settings objects, the widget's preview,
 * and the AI's Test button. The API key is write-only: the form never shows it. */

import { request } from "./api.js";
import { flash, showError } from "./dialogs.js";

const COLOUR = /^#[0-9A-Fa-f]{6}$/;
const LANGUAGES = ["en", "de", "fr", "es", "ar"]; // the widget's (chat/wire.py, Language)

/** Put a text-by-language object into the form's `<prefix>_<language>` inputs. */
export function fillTranslations(form, prefix, texts) {
  for (const code of LANGUAGES) {
    const input = form.elements[`${prefix}_${code}`];
    if (input) input.value = (texts && texts[code]) || "";
  }
}

/** The form's `<prefix>_<language>` inputs as a text-by-language object, blank ones left out. */
export function readTranslations(form, prefix) {
  const texts = {};
  for (const code of LANGUAGES) {
    const input = form.elements[`${prefix}_${code}`];
    if (input && input.value.trim()) texts[code] = input.value;
  }
  return texts;
}

export class WidgetSettings {
  constructor(initial, onWrite) {
    this.onWrite = onWrite;
    this.form = document.getElementById("widget-form");
    this.status = document.getElementById("widget-status");
    this.fill(initial);
    const { accent, accent_picker: picker } = this.form.elements;
    picker.addEventListener("input", () => {
      accent.value = picker.value;
      this.preview();
    });
    accent.addEventListener("input", () => {
      if (COLOUR.test(accent.value)) picker.value = accent.value.toLowerCase();
      this.preview();
    });
    this.form.addEventListener("input", () => this.preview());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
  }

  fill(settings) {
    const f = this.form.elements;
    for (const name of ["title", "greeting", "accent", "position", "ask_details", "locale"]) {
      f[name].value = settings[name];
    }
    f.accent_picker.value = settings.accent.toLowerCase();
    fillTranslations(this.form, "greeting", settings.greetings);
    this.preview();
  }

  values() {
    const f = this.form.elements;
    return {
      title: f.title.value,
      greeting: f.greeting.value,
      accent: f.accent.value.trim(),
      position: f.position.value,
      ask_details: f.ask_details.value,
      locale: f.locale.value,
      greetings: readTranslations(this.form, "greeting"),
    };
  }

  /** The preview shows the title and greeting as text, in the chosen colour and corner. */
  preview() {
    const v = this.values();
    const stage = document.getElementById("widget-preview");
    if (COLOUR.test(v.accent)) stage.style.setProperty("--preview-accent", v.accent);
    stage.dataset.position = v.position;
    document.getElementById("preview-title").textContent = v.title || "Chat with us";
    const greeting = document.getElementById("preview-greeting");
    greeting.textContent = v.greeting;
    greeting.hidden = !v.greeting;
  }

  async save() {
    try {
      this.fill(await request("PUT", "/api/v1/settings/widget", this.values()));
      flash(this.status, "Saved. The widget shows it on its next load.");
      this.onWrite();
    } catch (error) {
      flash(this.status, error.message);
    }
  }
}

export class AiSettings {
  constructor(initial, onWrite) {
    this.onWrite = onWrite;
    this.form = document.getElementById("ai-form");
    this.status = document.getElementById("ai-status");
    this.result = document.getElementById("ai-test-result");
    this.fill(initial);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    document.getElementById("ai-test").addEventListener("click", () => this.test());
  }

  fill(settings) {
    const f = this.form.elements;
    f.enabled.checked = settings.enabled;
    f.reply_delay.value = String(settings.reply_delay);
    f.gemini_model.value = settings.gemini_model;
    f.gemini_api_key.value = "";
    f.remove_key.checked = false;
    f.gemini_api_key.placeholder = settings.gemini_configured ? "A key is stored; type to replace it" : "No key: the built-in knowledge base answers";
    document.getElementById("ai-key-state").textContent = settings.gemini_configured
      ? "A Gemini key is configured. It is never shown again."
      : "No Gemini key is configured.";
  }

  async save() {
    const f = this.form.elements;
    const key = f.gemini_api_key.value.trim();
    const body = {
      enabled: f.enabled.checked,
      reply_delay: Number(f.reply_delay.value),
      gemini_model: f.gemini_model.value.trim(),
      gemini_api_key: f.remove_key.checked ? "" : key || null,
    };
    try {
      this.fill(await request("PUT", "/api/v1/settings/ai", body));
      flash(this.status, "Saved. The AI uses it from now on.");
      this.onWrite();
    } catch (error) {
      flash(this.status, error.message);
    }
  }

  async test() {
    this.result.hidden = false;
    this.result.className = "test-result";
    this.result.textContent = "Asking Gemini…";
    try {
      const answer = await request("POST", "/api/v1/settings/ai/test");
      this.result.classList.add(answer.ok ? "ok" : "failed");
      this.result.textContent = answer.ok ? `Gemini answered: ${answer.answer}` : `Gemini failed: ${answer.error}`;
    } catch (error) {
      this.result.classList.add("failed");
      this.result.textContent = error.message;
    }
  }
}

/** A whole number of seconds, or null (never) when the field is empty. */
function secondsOrNever(input) {
  const text = input.value.trim();
  return text === "" ? null : Number(text);
}

export class RoutingSettings {
  constructor(initial, onWrite) {
    this.onWrite = onWrite;
    this.form = document.getElementById("routing-form");
    this.status = document.getElementById("routing-status");
    this.error = document.getElementById("routing-error");
    if (initial) this.fill(initial);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
  }

  fill(settings) {
    const f = this.form.elements;
    f.mode.value = settings.mode;
    f.default_capacity.value = String(settings.default_capacity);
    f.requeue_offline_after.value = settings.requeue_offline_after == null ? "" : String(settings.requeue_offline_after);
    f.close_inactive_after.value = settings.close_inactive_after == null ? "" : String(settings.close_inactive_after);
  }

  async save() {
    const f = this.form.elements;
    const body = {
      mode: f.mode.value,
      default_capacity: Number(f.default_capacity.value),
      requeue_offline_after: secondsOrNever(f.requeue_offline_after),
      close_inactive_after: secondsOrNever(f.close_inactive_after),
    };
    showError(this.error, "");
    try {
      this.fill(await request("PUT", "/api/v1/settings/routing", body));
      flash(this.status, "Saved. Routing follows it from now on.");
      this.onWrite();
    } catch (error) {
      showError(this.error, error.message);
    }
  }
}
