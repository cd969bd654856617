/* The widget's language: which one it speaks, its words (one catalogue per language, in
 * locale-XX.js), plurals through Intl.PluralRules and numbers, times and dates through Intl in
 * that language.
 *
 * Which language: the tag's data-locale, else the admin's setting (unless "auto"), else the
 * first of the browser's languages we have (by its language subtag: "de-AT" is German), else
 * English. Chosen once, before the widget is drawn (main.js). */

import { config } from "./config.js";
import { AR } from "./locale-ar.js";
import { DE } from "./locale-de.js";
import { EN } from "./locale-en.js";
import { ES } from "./locale-es.js";
import { FR } from "./locale-fr.js";

export const CATALOGUES = { en: EN, de: DE, fr: FR, es: ES, ar: AR };
const RIGHT_TO_LEFT = new Set(["ar", "he", "fa", "ur"]);
// The English texts an admin has not changed: shown in the visitor's language instead.
const DEFAULT_TITLE = EN.title;
const DEFAULT_GREETING = EN.greeting;

export const lang = { code: "en", dir: "ltr" };
const formats = {};

/** The language we have for a tag such as "de-AT" or "ES", by its language subtag; else null. */
export function supported(tag) {
  const code = String(tag || "").trim().toLowerCase().split(/[-_]/)[0];
  return Object.prototype.hasOwnProperty.call(CATALOGUES, code) ? code : null;
}

/** Choose the language (see the top of this file) and the formats that go with it. */
export function chooseLanguage() {
  const asked = config.locale && config.locale !== "auto" ? supported(config.locale) : null;
  const browser = (navigator.languages && navigator.languages.length
    ? navigator.languages
    : [navigator.language]
  ).map(supported).find(Boolean);
  const code = asked || browser || "en";
  lang.code = code;
  lang.dir = RIGHT_TO_LEFT.has(code) ? "rtl" : "ltr";
  formats.plural = new Intl.PluralRules(code);
  formats.number = new Intl.NumberFormat(code);
  formats.time = new Intl.DateTimeFormat(code, { hour: "numeric", minute: "2-digit" });
  formats.clock = new Intl.DateTimeFormat(code, {
    hour: "numeric",
    minute: "2-digit",
    hourCycle: "h23",
  });
  formats.full = new Intl.DateTimeFormat(code, { dateStyle: "full", timeStyle: "short" });
  formats.weekday = new Intl.DateTimeFormat(code, { weekday: "long" });
  formats.date = new Intl.DateTimeFormat(code, { day: "numeric", month: "long" });
  formats.list = Intl.ListFormat ? new Intl.ListFormat(code, { type: "conjunction" }) : null;
  formats.percent = new Intl.NumberFormat(code, { style: "percent" });
  if (config.title === DEFAULT_TITLE) config.title = tr("title");
  config.greeting = greetingFor(code);
  return code;
}

/** The admin's greeting in this language, else their default one (ours, translated, when they
 * kept the shipped one). */
function greetingFor(code) {
  if (config.given.greeting) return config.greeting; // the tag's own words, in its language
  const own = config.greetings && config.greetings[code];
  if (typeof own === "string" && own.trim()) return own.trim();
  return config.greeting === DEFAULT_GREETING ? tr("greeting") : config.greeting;
}

/** The text for `key` in the chosen language, with its {placeholders} filled in; for a plural,
 * the form Intl.PluralRules picks for `params.count`. Numbers are written the language's way. */
export function tr(key, params = {}) {
  let text = lookup(CATALOGUES[lang.code], key, params) ?? lookup(EN, key, params) ?? key;
  text = text.replace(/\{(\w+)\}/g, (whole, name) => {
    const value = params[name];
    if (value == null) return whole;
    return typeof value === "number" ? num(value) : String(value);
  });
  return text;
}

function lookup(catalogue, key, params) {
  const entry = catalogue && catalogue[key];
  if (entry == null || typeof entry === "string") return entry;
  const form = formats.plural ? formats.plural.select(params.count) : "other";
  return entry[form] ?? entry.other;
}

export function num(value) {
  return formats.number ? formats.number.format(value) : String(value);
}

/** "10:42" or "10:42 AM", as the language writes a time; "" for a missing or bad time. */
export function timeText(date) {
  return date && formats.time ? formats.time.format(date) : "";
}

/** The whole date and time, as the language writes it ("Dienstag, 1. Dezember 2026 um 09:30"). */
export function fullDateText(date) {
  return date && formats.full ? formats.full.format(date) : "";
}

/** "Back tomorrow at 9:00" in the chosen language: the next opening on the visitor's clock,
 * 24-hour; "" when unknown. */
export function backText(date) {
  if (!date || !formats.clock) return "";
  const today = new Date();
  const midnight = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const ahead = Math.round((midnight(date) - midnight(today)) / 86400000);
  // 24-hour without a leading zero ("9:00", as the server says it): h23 pads the hour in some.
  const time = formats.clock
    .formatToParts(date)
    .map((part) => {
      const padded = part.type === "hour" && /^\d+$/.test(part.value);
      return padded ? String(Number(part.value)) : part.value;
    })
    .join("");
  if (ahead <= 0) return tr("back.today", { time });
  if (ahead === 1) return tr("back.tomorrow", { time });
  if (ahead < 7) return tr("back.weekday", { day: formats.weekday.format(date), time });
  return tr("back.date", { date: formats.date.format(date), time });
}

/** "Alice and Bob", "Alice, Bob und Carol", as the language joins names. */
export function listText(names) {
  return formats.list ? formats.list.format(names) : names.join(", ");
}

export function percentText(share) {
  const floor = Math.floor(share * 100) / 100; // "99 %" until it is all there
  return formats.percent ? formats.percent.format(floor) : `${floor * 100}%`;
}

/** "12 bytes", "3 KB", "1,5 MB" with the language's digits and decimal sign. */
export function sizeText(bytes) {
  if (bytes >= 1024 * 1024) {
    const oneDecimal = { minimumFractionDigits: 1, maximumFractionDigits: 1 };
    const size = new Intl.NumberFormat(lang.code, oneDecimal).format(bytes / 1024 / 1024);
    return tr("size.mb", { size });
  }
  if (bytes >= 1024) return tr("size.kb", { size: Math.round(bytes / 1024) });
  return tr("size.bytes", { count: bytes });
}
