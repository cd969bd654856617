/* The Business hours section: the timezone, each day's intervals as text ("09:00-12:00,
 * 13:00-17:00"), closed dates and the away message. The server checks everything (422): its
 * message is shown with day names instead of field paths. */

import { request } from "./api.js";
import { flash, showError } from "./dialogs.js";
import { fillTranslations, readTranslations } from "./settings.js";

const DAYS = { mon: "Monday", tue: "Tuesday", wed: "Wednesday", thu: "Thursday", fri: "Friday", sat: "Saturday", sun: "Sunday" };

export class BusinessHours {
  constructor(initial, onWrite) {
    this.onWrite = onWrite;
    this.form = document.getElementById("hours-form");
    this.status = document.getElementById("hours-status");
    this.error = document.getElementById("hours-error");
    offerZones(document.getElementById("hours-zones"));
    if (initial) this.fill(initial);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
  }

  fill(hours) {
    const f = this.form.elements;
    f.timezone.value = hours.timezone;
    for (const day of Object.keys(DAYS)) {
      f[day].value = (hours.weekly[day] || []).map(([start, end]) => `${start}-${end}`).join(", ");
    }
    f.closed_dates.value = hours.closed_dates.join("\n");
    f.away_message.value = hours.away_message;
    fillTranslations(this.form, "away_message", hours.away_messages);
  }

  async save() {
    const f = this.form.elements;
    const weekly = {};
    for (const day of Object.keys(DAYS)) weekly[day] = intervals(f[day].value);
    const body = {
      timezone: f.timezone.value.trim(),
      weekly,
      closed_dates: f.closed_dates.value.split(/[\s,]+/).filter(Boolean),
      away_message: f.away_message.value,
      away_messages: readTranslations(this.form, "away_message"),
    };
    showError(this.error, "");
    try {
      this.fill(await request("PUT", "/api/v1/settings/hours", body));
      flash(this.status, "Saved. Outside these hours nobody is assigned automatically.");
      this.onWrite();
    } catch (error) {
      showError(this.error, readable(error.message));
    }
  }
}

/** "09:00-12:00, 13:00-17:00" as [["09:00", "12:00"], ["13:00", "17:00"]]; what is not two
 * times is sent as it is, for the server to say what is wrong with it. */
function intervals(text) {
  return text
    .split(/[,;]/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => part.split(/\s*[-–—]\s*|\s+to\s+|\s+/).filter(Boolean));
}

/** The server's message with day names and interval numbers instead of field paths:
 * "`weekly.mon[1][0]`: …" reads "Monday, interval 2: …". */
function readable(message) {
  return message
    .replace(/`weekly\.(\w{3})(?:\[(\d+)\])?(?:\[\d\])?`/g, (_, day, n) =>
      n == null ? DAYS[day] || day : `${DAYS[day] || day}, interval ${Number(n) + 1}`)
    .replace(/\b(mon|tue|wed|thu|fri|sat|sun) (\d\d:\d\d)/g, (_, day, time) => `${DAYS[day]} ${time}`)
    .replace(/`closed_dates\[(\d+)\]`/g, (_, n) => `Closed date ${Number(n) + 1}`)
    .replace(/`(\w+)`/g, (_, name) => name.replace(/_/g, " "));
}

function offerZones(list) {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  for (const zone of zones) list.append(new Option(zone));
}
