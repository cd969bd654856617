/* The date range control: presets (today, the last 7 or 30 days) and a custom range, kept in
 * the page's URL (?since=&until=) so that a reload or a shared link shows the same range. */

import { addDays, isDate } from "./format.js";

const PRESET_DAYS = { today: 1, 7: 7, 30: 30 };
const DEFAULT_PRESET = "30";

/** The range a preset covers, ending today (the team's today). */
export function presetRange(preset, today) {
  return { since: addDays(today, 1 - PRESET_DAYS[preset]), until: today };
}

/** The preset a range is, or "custom". */
function presetOf(range, today) {
  for (const preset of Object.keys(PRESET_DAYS)) {
    const candidate = presetRange(preset, today);
    if (candidate.since === range.since && candidate.until === range.until) return preset;
  }
  return "custom";
}

export class RangeControl {
  /** `changed(range)` is called with each range to show: at start, on a pick, on back/forward. */
  constructor(form, today, changed) {
    this.form = form;
    this.today = today;
    this.changed = changed;
    this.custom = form.querySelector("#range-custom");
    this.since = form.elements.since;
    this.until = form.elements.until;
    for (const radio of form.querySelectorAll('input[name="preset"]')) {
      radio.addEventListener("change", () => this.picked(radio.value));
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      // The server judges the range (since after until is its 422, shown on the page).
      this.go({ since: this.since.value, until: this.until.value });
    });
    window.addEventListener("popstate", () => this.show(this.fromUrl()));
  }

  start() {
    this.show(this.fromUrl());
  }

  /** The range in the URL; the default preset when there is none. */
  fromUrl() {
    const params = new URLSearchParams(location.search);
    const since = params.get("since");
    const until = params.get("until");
    if (since === null && until === null) return presetRange(DEFAULT_PRESET, this.today);
    return { since: since || "", until: until || "" };
  }

  picked(preset) {
    if (preset === "custom") {
      this.custom.hidden = false;
      this.since.focus();
      return;
    }
    this.custom.hidden = true;
    this.go(presetRange(preset, this.today));
  }

  go(range) {
    const query = new URLSearchParams(range).toString();
    if (location.search !== `?${query}`) history.pushState(null, "", `${location.pathname}?${query}`);
    this.show(range);
  }

  /** Mark the range's preset, fill the custom dates, and report the range. */
  show(range) {
    const preset = isDate(range.since) && isDate(range.until) ? presetOf(range, this.today) : "custom";
    const radio = this.form.querySelector(`input[name="preset"][value="${preset}"]`);
    radio.checked = true;
    this.custom.hidden = preset !== "custom";
    this.since.value = range.since;
    this.until.value = range.until;
    this.changed(range);
  }
}
