/* Bar charts drawn as SVG by hand (no library): one bar per day, stacked when there are several
 * series. Each chart is an image with a title and a description that say what it shows; its
 * numbers are in the table under it. */

import { shortDate } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 210;
const MARGIN = { top: 12, right: 10, bottom: 26, left: 58 };
const COUNT_STEPS = [1, 2, 5];
// Ticks of a duration axis fall on round times: seconds, minutes, hours, days.
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
  43200, 86400, 172800, 604800];

function svgEl(tag, attributes = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== null) node.textContent = text;
  return node;
}

/** A step that splits `max` into about four parts: 1, 2, 5 × 10^k for counts, round times else. */
function tickStep(max, time) {
  const wanted = max / 4;
  if (time) return TIME_STEPS.find((step) => step >= wanted) || Math.ceil(wanted / 604800) * 604800;
  let scale = 1;
  for (;;) {
    const step = COUNT_STEPS.map((s) => s * scale).find((s) => s >= wanted);
    if (step) return step;
    scale *= 10;
  }
}

let chartIds = 0;

/**
 * Draw (or redraw) a chart into `figure`.
 * spec: {title, description, dates: [YYYY-MM-DD], series: [{name, className, values}],
 *        time: bool (values are seconds), tick: value → label}
 */
export function drawBarChart(figure, spec) {
  figure._spec = spec;
  if (!figure._observer && "ResizeObserver" in window) {
    let width = figure.clientWidth;
    figure._observer = new ResizeObserver(() => {
      if (figure.clientWidth !== width) {
        width = figure.clientWidth;
        draw(figure, figure._spec);
      }
    });
    figure._observer.observe(figure);
  }
  draw(figure, spec);
}

function draw(figure, spec) {
  const width = Math.max(figure.clientWidth || 600, 240);
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const totals = spec.dates.map((_, day) =>
    spec.series.reduce((sum, series) => sum + (series.values[day] || 0), 0),
  );
  const step = tickStep(Math.max(...totals, 0) || 1, spec.time);
  const top = Math.max(step, Math.ceil(Math.max(...totals, 0) / step) * step);
  const y = (value) => MARGIN.top + plotHeight - (value / top) * plotHeight;

  const id = `chart-${++chartIds}`;
  const svg = svgEl("svg", {
    width,
    height: HEIGHT,
    viewBox: `0 0 ${width} ${HEIGHT}`,
    role: "img",
    "aria-labelledby": `${id}-title`,
    "aria-describedby": `${id}-desc`,
    class: "chart-svg",
  });
  svg.append(svgEl("title", { id: `${id}-title` }, spec.title));
  svg.append(svgEl("desc", { id: `${id}-desc` }, spec.description));

  const axis = svgEl("g", { class: "chart-axis", "aria-hidden": "true" });
  for (let value = 0; value <= top; value += step) {
    axis.append(svgEl("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(value), y2: y(value) }));
    const label = svgEl("text", { x: MARGIN.left - 6, y: y(value) + 4, "text-anchor": "end" });
    label.textContent = spec.tick(value);
    axis.append(label);
  }
  const band = plotWidth / spec.dates.length;
  // Label as many days as fit, evenly: every day on a week, every few days on a month.
  const every = Math.max(1, Math.ceil(spec.dates.length / Math.max(1, Math.floor(plotWidth / 52))));
  spec.dates.forEach((date, day) => {
    if (day % every !== 0) return;
    const x = MARGIN.left + band * (day + 0.5);
    axis.append(svgEl("text", { x, y: HEIGHT - 8, "text-anchor": "middle" }, shortDate(date)));
  });
  svg.append(axis);

  const bars = svgEl("g", { class: "chart-bars" });
  const barWidth = Math.max(1, Math.min(48, band * 0.7));
  spec.dates.forEach((date, day) => {
    let base = 0;
    const x = MARGIN.left + band * day + (band - barWidth) / 2;
    for (const series of spec.series) {
      const value = series.values[day];
      if (!value) continue;
      const rect = svgEl("rect", {
        x,
        y: y(base + value),
        width: barWidth,
        height: Math.max(1, y(base) - y(base + value)),
        class: series.className,
      });
      rect.append(svgEl("title", {}, `${shortDate(date)}: ${series.name} ${spec.tick(value)}`));
      bars.append(rect);
      base += value;
    }
  });
  svg.append(bars);
  figure.replaceChildren(legend(spec), svg);
}

function legend(spec) {
  const caption = document.createElement("figcaption");
  const heading = document.createElement("span");
  heading.className = "chart-title";
  heading.textContent = spec.title;
  caption.append(heading);
  if (spec.series.length > 1) {
    const list = document.createElement("ul");
    list.className = "chart-legend";
    for (const series of spec.series) {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = `swatch ${series.className}`;
      swatch.setAttribute("aria-hidden", "true");
      item.append(swatch, series.name);
      list.append(item);
    }
    caption.append(list);
  }
  return caption;
}
