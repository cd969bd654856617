/* The Reports page: the range in the URL decides the summary shown (GET /api/v1/reports/summary,
 * admins only); the CSV link exports the same range. */

import { request } from "../shared/request.js";
import { longDate } from "./format.js";
import { RangeControl } from "./range.js";
import { renderByAgent, renderByDay, renderCharts, renderComments, renderFigures } from "./report.js";

const main = document.getElementById("reports");
const report = document.getElementById("report");
const rangeText = document.getElementById("range-text");
const errorBox = document.getElementById("report-error");
const csvLink = document.getElementById("csv-link");
const timezoneText = document.getElementById("report-timezone");

let latest = 0; // only the answer to the newest range is shown

function describe(summary) {
  const days = summary.by_day.length;
  const span = summary.since === summary.until
    ? longDate(summary.since)
    : `${longDate(summary.since)} – ${longDate(summary.until)}`;
  return `${span} (${days} ${days === 1 ? "day" : "days"}, ${summary.timezone})`;
}

function show(summary) {
  timezoneText.textContent = summary.timezone;
  renderFigures(document.getElementById("figures"), summary);
  report.hidden = false; // the charts measure their width, so the report shows first
  renderCharts(
    document.getElementById("chart-conversations"),
    document.getElementById("chart-first-response"),
    summary,
  );
  renderByDay(document.querySelector("#by-day tbody"), summary);
  renderByAgent(
    document.querySelector("#by-agent tbody"),
    document.getElementById("by-agent-empty"),
    summary,
  );
  renderComments(
    document.getElementById("comments"),
    document.getElementById("comments-empty"),
    summary,
  );
  rangeText.textContent = `Showing ${describe(summary)}`;
  const query = new URLSearchParams({ since: summary.since, until: summary.until });
  csvLink.href = `/api/v1/reports/export.csv?${query}`;
  csvLink.hidden = false;
}

function failed(message) {
  report.hidden = true;
  csvLink.hidden = true;
  rangeText.textContent = "";
  errorBox.textContent = message;
  errorBox.hidden = false;
}

async function load(range) {
  const mine = ++latest;
  errorBox.hidden = true;
  report.setAttribute("aria-busy", "true");
  rangeText.textContent = "Loading…";
  const query = new URLSearchParams(range);
  let summary;
  try {
    summary = await request("GET", `/api/v1/reports/summary?${query}`);
  } catch (error) {
    if (mine === latest) failed(`Could not show this range: ${error.message}`);
    document.body.dataset.ready = "true";
    return;
  }
  if (mine !== latest) return;
  show(summary);
  report.setAttribute("aria-busy", "false");
  document.body.dataset.ready = "true"; // a summary is on the page
}

new RangeControl(document.getElementById("range-form"), main.dataset.today, load).start();
