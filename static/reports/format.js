/* How the Reports page writes its figures: durations, shares, averages, dates. A missing figure
 * (null: nothing to measure) is always "—", never 0. */

export const NONE = "—";

/** "45 s", "1 min 30 s", "2 h 5 min", "3 d 4 h"; "under 1 s"; "—" for null. */
export function duration(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return NONE;
  const whole = Math.round(seconds);
  if (whole === 0) return seconds > 0 ? "under 1 s" : "0 s";
  const units = [
    ["d", 86400],
    ["h", 3600],
    ["min", 60],
    ["s", 1],
  ];
  const start = units.findIndex(([, size]) => whole >= size);
  // The two largest units say enough: "2 h 5 min", not "2 h 5 min 12 s".
  const parts = [];
  let rest = whole;
  for (const [name, size] of units.slice(start, start + 2)) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count} ${name}`);
  }
  return parts.join(" ");
}

const PERCENT = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 });
const DECIMAL = new Intl.NumberFormat("en", { maximumFractionDigits: 2 });
const COUNT = new Intl.NumberFormat("en");

/** 0.75 → "75%"; "—" for null. */
export function share(fraction) {
  return fraction == null ? NONE : PERCENT.format(fraction);
}

/** 4.25 → "4.25"; "—" for null. */
export function average(value) {
  return value == null ? NONE : DECIMAL.format(value);
}

export function count(value) {
  return COUNT.format(value);
}

/** "1 conversation", "3 conversations". */
export function conversations(n) {
  return `${count(n)} ${n === 1 ? "conversation" : "conversations"}`;
}

// Dates of the range are calendar dates (YYYY-MM-DD), counted here as UTC days so that no
// timezone of the reader's own can shift them.

/** A YYYY-MM-DD date `days` later (or earlier, when negative). */
export function addDays(date, days) {
  const moment = new Date(`${date}T00:00:00Z`);
  moment.setUTCDate(moment.getUTCDate() + days);
  return moment.toISOString().slice(0, 10);
}

export function isDate(text) {
  return /^\d{4}-\d{2}-\d{2}$/.test(text || "") && !Number.isNaN(Date.parse(`${text}T00:00:00Z`));
}

const WEEKDAY = new Intl.DateTimeFormat("en-GB", { weekday: "short", timeZone: "UTC" });
const SHORT = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
const LONG = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  timeZone: "UTC",
});

/** "Tue" for 2026-12-01. */
export function weekday(date) {
  return WEEKDAY.format(new Date(`${date}T00:00:00Z`));
}

/** "1 Dec" for 2026-12-01. */
export function shortDate(date) {
  return SHORT.format(new Date(`${date}T00:00:00Z`));
}

/** "1 Dec 2026" for 2026-12-01. */
export function longDate(date) {
  return LONG.format(new Date(`${date}T00:00:00Z`));
}

/** A stored time (ISO) as the team's local date and time: "1 Dec 2026, 14:05". */
export function teamTime(iso, timezone) {
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return "";
  const options = { dateStyle: "medium", timeStyle: "short", hourCycle: "h23" };
  try {
    return new Intl.DateTimeFormat("en-GB", { ...options, timeZone: timezone }).format(moment);
  } catch (_) {
    return new Intl.DateTimeFormat("en-GB", options).format(moment); // an unknown zone
  }
}
