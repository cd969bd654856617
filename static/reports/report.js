/* The summary on the page: the headline figures, the charts and table by day, the table by
 * agent and the customers' comments. Names and comments are set as text, never as HTML. */

import { el } from "../shared/dom.js";
import { drawBarChart } from "./charts.js";
import {
  average,
  conversations,
  count,
  duration,
  longDate,
  NONE,
  share,
  teamTime,
  weekday,
} from "./format.js";

/** A headline card: a region named by its heading, a big value, and lines under it. */
function card(id, title, value, ...lines) {
  const headingId = `figure-${id}`;
  return el(
    "section",
    { class: "figure", "aria-labelledby": headingId },
    el("h3", { id: headingId, text: title }),
    el("div", { class: "figure-value", text: value }), // a figure, not a heading (no styled <p>)
    ...lines,
  );
}

function facts(rows) {
  const list = el("dl", { class: "figure-facts" });
  for (const [term, value] of rows) list.append(el("dt", { text: term }), el("dd", { text: value }));
  return list;
}

function statCard(id, title, stat) {
  return card(
    id,
    title,
    duration(stat.median_seconds),
    el("p", { class: "figure-note", text: "median" }),
    facts([
      ["90th percentile", duration(stat.p90_seconds)],
      ["Average", duration(stat.average_seconds)],
    ]),
    el("p", { class: "figure-basis", text: `Based on ${conversations(stat.n)}` }),
  );
}

function csatText(csat) {
  return csat.average == null ? NONE : `${average(csat.average)} / 5`;
}

export function renderFigures(container, summary) {
  const { csat } = summary;
  container.replaceChildren(
    card(
      "conversations",
      "Conversations",
      count(summary.conversations),
      el("p", { class: "figure-note", text: "started in this range" }),
    ),
    card(
      "handed-off",
      "Handed off",
      share(summary.handoff_rate),
      el("p", { class: "figure-note", text: `${conversations(summary.handed_off)} went to a person` }),
    ),
    card(
      "ai-resolved",
      "AI-resolved",
      share(summary.ai_resolved_share),
      el("p", { class: "figure-note", text: `${conversations(summary.ai_resolved)} closed by the AI alone` }),
    ),
    statCard("first-response", "First response", summary.first_response),
    statCard("resolution", "Resolution", summary.resolution),
    statCard("wait", "Wait", summary.wait),
    card(
      "csat",
      "Customer satisfaction",
      csatText(csat),
      el("p", { class: "figure-note", text: "average rating" }),
      facts([["Satisfied (4 or 5)", share(csat.satisfied_share)]]),
      el("p", {
        class: "figure-basis",
        text: `${count(csat.responses)} ${csat.responses === 1 ? "response" : "responses"}`,
      }),
    ),
  );
}

function conversationsDescription(summary) {
  const days = summary.by_day;
  const busiest = days.reduce((best, day) => (day.conversations > best.conversations ? day : best), days[0]);
  const busy = busiest && busiest.conversations > 0
    ? ` The busiest day was ${longDate(busiest.date)} with ${count(busiest.conversations)}.`
    : "";
  return (
    `${conversations(summary.conversations)} from ${longDate(summary.since)} to ` +
    `${longDate(summary.until)}: ${count(summary.handed_off)} handed off to a person, ` +
    `${count(summary.ai_resolved)} resolved by the AI alone.${busy}`
  );
}

function firstResponseDescription(summary) {
  const measured = summary.by_day.filter((day) => day.first_response.median_seconds != null);
  if (measured.length === 0) return "No first response was measured in this range.";
  const by = (a, b) => a.first_response.median_seconds - b.first_response.median_seconds;
  const sorted = [...measured].sort(by);
  const fastest = sorted[0];
  const slowest = sorted[sorted.length - 1];
  const empty = summary.by_day.length - measured.length;
  return (
    `Median first response per day, measured on ${measured.length} of ${summary.by_day.length} days` +
    `${empty ? ` (${empty} without one)` : ""}: fastest ${duration(fastest.first_response.median_seconds)}` +
    ` on ${longDate(fastest.date)}, slowest ${duration(slowest.first_response.median_seconds)}` +
    ` on ${longDate(slowest.date)}.`
  );
}

export function renderCharts(conversationsFigure, responseFigure, summary) {
  const days = summary.by_day;
  const dates = days.map((day) => day.date);
  // The rest: conversations neither handed off nor closed by the AI (still with it).
  const rest = days.map((day) => Math.max(0, day.conversations - day.handed_off - day.ai_resolved));
  drawBarChart(conversationsFigure, {
    title: "Conversations per day",
    description: conversationsDescription(summary),
    dates,
    series: [
      { name: "Handed off", className: "series-handed-off", values: days.map((d) => d.handed_off) },
      { name: "AI-resolved", className: "series-ai", values: days.map((d) => d.ai_resolved) },
      { name: "Other", className: "series-other", values: rest },
    ].filter((series, index) => index < 2 || series.values.some((v) => v > 0)),
    time: false,
    tick: (value) => count(value),
  });
  drawBarChart(responseFigure, {
    title: "First response per day (median)",
    description: firstResponseDescription(summary),
    dates,
    series: [
      {
        name: "First response",
        className: "series-response",
        values: days.map((d) => d.first_response.median_seconds),
      },
    ],
    time: true,
    tick: (value) => duration(value),
  });
}

export function renderByDay(tbody, summary) {
  tbody.replaceChildren(
    ...summary.by_day.map((day) =>
      el(
        "tr",
        {},
        el(
          "th",
          { scope: "row" },
          el("time", { datetime: day.date, text: `${weekday(day.date)} ${day.date}` }),
        ),
        el("td", { text: count(day.conversations) }),
        el("td", { text: count(day.handed_off) }),
        el("td", { text: count(day.ai_resolved) }),
        el("td", { text: duration(day.first_response.median_seconds) }),
        el("td", { text: duration(day.resolution.median_seconds) }),
        el("td", { text: duration(day.wait.median_seconds) }),
        el("td", { text: average(day.csat.average) }),
      ),
    ),
  );
}

export function renderByAgent(tbody, empty, summary) {
  empty.hidden = summary.by_agent.length > 0;
  tbody.closest(".table-scroll").hidden = summary.by_agent.length === 0;
  tbody.replaceChildren(
    ...summary.by_agent.map((row) =>
      el(
        "tr",
        {},
        el("th", { scope: "row", text: row.agent.name }),
        el("td", { text: count(row.conversations) }),
        el("td", { text: count(row.closed) }),
        el("td", { text: duration(row.first_response.median_seconds) }),
        el("td", { text: duration(row.first_response.p90_seconds) }),
        el("td", { text: duration(row.resolution.median_seconds) }),
        el("td", { text: average(row.csat.average) }),
        el("td", { text: count(row.csat.responses) }),
      ),
    ),
  );
}

function stars(rating) {
  return el(
    "span",
    { class: "rating" },
    el("span", { class: "stars", "aria-hidden": "true", text: "★".repeat(rating) + "☆".repeat(5 - rating) }),
    el("span", { class: "rating-text", text: `${rating} out of 5` }),
  );
}

export function renderComments(list, empty, summary) {
  empty.hidden = summary.comments.length > 0;
  list.hidden = summary.comments.length === 0;
  list.replaceChildren(
    ...summary.comments.map((comment) =>
      el(
        "li",
        { class: "comment" },
        el(
          "div",
          { class: "comment-head" },
          stars(comment.rating),
          el("span", { class: "muted", text: comment.agent ? comment.agent.name : "No agent" }),
          el("time", {
            class: "muted",
            datetime: comment.created_at,
            text: teamTime(comment.created_at, summary.timezone),
          }),
        ),
        comment.comment
          ? el("p", { class: "comment-text", text: comment.comment })
          : el("p", { class: "comment-text muted", text: "No comment" }),
        el("a", {
          href: `/chat?session=${comment.session_id}`, // as the CSV's links
          text: `Open conversation #${comment.session_id}`,
        }),
      ),
    ),
  );
}
