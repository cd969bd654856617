/* The widget's elements: a custom element whose open Shadow DOM holds the launcher and the
 * panel (header, log, typing line, notices, composer), styled by a constructable stylesheet so
 * that it works under a CSP without 'unsafe-inline' and the host page's CSS cannot reach it. */

import { el } from "../shared/dom.js";
import { icon } from "../shared/icons.js";
import { config } from "./config.js";
import { buildContactBox } from "./contact.js";
import { buildCsatCard } from "./csat.js";
import { sendFile } from "./files.js";
import { lang, tr } from "./i18n.js";
import { applyLimits } from "./limits.js";
import { scrollToBottom } from "./messages.js";
import { submit } from "./outbox.js";
import { autosize, downloadTranscript, setOpen, submitDetails } from "./panel.js";
import { scheduleReadCheck } from "./receipts.js";
import { adoptSessionFromOtherTab, handOff } from "./session.js";
import { reconnectNow } from "./socket.js";
import { state } from "./state.js";
import { CSS_TEXT } from "./styles.js";
import { onInputTyping } from "./typing.js";

/** Dark or white text, whichever reads better on the accent colour. */
function contrastText(colour, probe) {
  probe.style.color = colour;
  const match = getComputedStyle(probe).color.match(/[\d.]+/g);
  probe.style.color = "";
  if (!match || match.length < 3) return "#ffffff";
  const [r, g, b] = match.slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.45 ? "#111827" : "#ffffff";
}

export let ui = null; // the widget's elements, once build() has made them

/** Mount the widget: a custom element whose open shadow root holds everything. */
export function build() {
  const host = document.createElement("switchboard-chat");
  host.setAttribute("data-switchboard", "");
  const shadow = host.attachShadow({ mode: "open" });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS_TEXT);
  shadow.adoptedStyleSheets = [sheet];

  // The language's direction and name on the widget's own root: the host page's do not matter.
  const root = el("div", { class: `sb ${config.position}`, dir: lang.dir, lang: lang.code });
  const panel = el("section", { class: "panel", role: "dialog", "aria-label": config.title });
  panel.setAttribute("aria-hidden", "true");
  panel.inert = true;
  ui = { host, root, panel, details: null };
  const notice = el("p", { class: "notice", role: "alert" });
  notice.hidden = true;
  ui.notice = notice;
  // A polite live region that stays in the tree (empty, not hidden), so changes are read out.
  const availability = el("p", { class: "availability", role: "status", "aria-live": "polite" });
  ui.availability = availability;
  // The queued customer's place ("You're number 2 in line"); hidden when not queued.
  const queueLine = el("p", { class: "queue-line", role: "status", "aria-live": "polite" });
  queueLine.hidden = true;
  ui.queueLine = queueLine;
  panel.append(
    buildHeader(),
    buildLog(),
    buildTyping(),
    queueLine,
    availability,
    ...buildContactBox(),
    notice,
    buildActions()
  );
  if (config.askDetails !== "never") panel.append(buildDetailsForm());
  panel.append(buildComposer(), el("p", { class: "foot", text: tr("foot") }));
  root.append(panel, buildLauncher());
  shadow.append(root);
  listen();
  // On <html>, after <body>: a transform, filter or contain on the host's body would make the
  // body the box that position: fixed is relative to, and pull the widget into the page.
  document.documentElement.append(host);
  applyAccent();
  applyLimits();
}

function buildLauncher() {
  const launcher = el("button", {
    type: "button",
    class: "launcher",
    "aria-label": tr("launcher.open"),
    "aria-expanded": "false",
    "aria-describedby": "sb-unread",
  });
  const badge = el("span", { class: "badge", "aria-hidden": "true" });
  badge.hidden = true;
  const unreadText = el("span", { id: "sb-unread", class: "visually-hidden" });
  launcher.append(icon("chat"), icon("down"), badge, unreadText);
  launcher.addEventListener("click", () => setOpen(!state.open));
  Object.assign(ui, { launcher, badge, unreadText });
  return launcher;
}

function buildHeader() {
  const head = el("header", { class: "head" });
  const avatar = el("div", { class: "avatar", "aria-hidden": "true" });
  const titles = el("div", { class: "titles" });
  const subtitleLine = el("p", { class: "subtitle" });
  const subtitle = el("span", { class: "status", role: "status" });
  subtitleLine.append(el("span", { class: "dot", "aria-hidden": "true" }), subtitle);
  titles.append(el("h2", { class: "title", text: config.title }), subtitleLine);
  const download = el("button", {
    type: "button",
    class: "download",
    "aria-label": tr("head.download"),
    title: tr("head.download"),
  });
  download.append(icon("download"));
  download.hidden = !state.key;
  download.addEventListener("click", downloadTranscript);
  const close = el("button", { type: "button", class: "close", "aria-label": tr("head.close") });
  close.append(icon("close"));
  close.addEventListener("click", () => setOpen(false));
  head.append(avatar, titles, download, close);
  Object.assign(ui, { avatar, subtitle, download });
  return head;
}

function buildLog() {
  const log = el("div", { class: "log", role: "log", "aria-label": tr("log.label"), tabindex: "0" });
  if (config.greeting) {
    // The site's own greeting: shown to everyone, stored nowhere.
    const greet = el("div", { class: "row theirs greeting" });
    greet.append(
      el("div", { class: "who", text: config.title }),
      el("div", { class: "bubble", text: config.greeting })
    );
    greet.sbOrder = -1;
    greet.sbWho = "greeting";
    log.append(greet);
  }
  log.append(buildCsatCard()); // kept last: rows sort before it
  ui.log = log;
  return log;
}

function buildTyping() {
  const typing = el("div", { class: "typing" });
  typing.hidden = true;
  const dots = el("span", { class: "dots", "aria-hidden": "true" });
  dots.append(el("i"), el("i"), el("i"));
  const typingText = el("span", { class: "typing-text", role: "status" });
  typing.append(dots, typingText);
  Object.assign(ui, { typing, typingText });
  return typing;
}

function buildActions() {
  const actions = el("div", { class: "actions" });
  const handoff = el("button", { type: "button", class: "handoff", text: tr("handoff") });
  handoff.addEventListener("click", handOff);
  actions.append(handoff);
  Object.assign(ui, { actions, handoff });
  return actions;
}

function buildComposer() {
  const composer = el("form", { class: "composer" });
  const input = el("textarea", {
    class: "input",
    rows: "1",
    "aria-label": tr("composer.label"),
    placeholder: tr("composer.placeholder"),
    enterkeyhint: "send",
  });
  const send = el("button", {
    type: "submit",
    class: "send",
    "aria-label": tr("composer.send"),
    title: tr("composer.send"),
  });
  send.append(icon("send"));
  const fileInput = el("input", { type: "file", tabindex: "-1" });
  fileInput.hidden = true;
  const attach = el("button", {
    type: "button",
    class: "attach",
    "aria-label": tr("composer.attach"),
    title: tr("composer.attach"),
  });
  attach.append(icon("clip"));
  attach.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    const [file] = fileInput.files;
    fileInput.value = "";
    if (file) sendFile(file);
  });
  composer.append(attach, fileInput, input, send);
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
    input.focus({ preventScroll: true });
  });
  input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter is a newline; never while an IME is composing.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submit();
    }
  });
  input.addEventListener("input", () => {
    autosize();
    onInputTyping();
  });
  Object.assign(ui, { composer, input, fileInput });
  return composer;
}

/** What the widget listens to outside its own buttons: keys, the network, other tabs, scrolling
 * and, on phones, the on-screen keyboard. */
function listen() {
  ui.panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") setOpen(false);
  });
  window.addEventListener("online", reconnectNow);
  window.addEventListener("storage", adoptSessionFromOtherTab);
  document.addEventListener("visibilitychange", scheduleReadCheck);
  ui.log.addEventListener("scroll", scheduleReadCheck, { passive: true });
  // An image preview that loads late grows the log: if the reader was at the newest message
  // before it grew, keep them there (load does not bubble, so listen while it descends).
  ui.log.addEventListener("load", (event) => {
    const grown = event.target instanceof HTMLImageElement ? event.target.offsetHeight : 0;
    const log = ui.log;
    if (log.scrollHeight - grown - log.scrollTop - log.clientHeight < 80) scrollToBottom();
    scheduleReadCheck();
  }, true);
  if (window.visualViewport) {
    // On phones the on-screen keyboard shrinks the visual viewport: keep the panel inside it.
    const fit = () => {
      ui.host.style.setProperty("--sb-vv-height", `${visualViewport.height}px`);
      ui.host.style.setProperty("--sb-vv-top", `${visualViewport.offsetTop}px`);
    };
    visualViewport.addEventListener("resize", fit);
    visualViewport.addEventListener("scroll", fit);
    fit();
  }
}

/** Colours go in as custom properties (CSSOM), which a strict CSP allows. */
function applyAccent() {
  // Computed colours exist only once the element is in the document.
  const probe = el("span");
  ui.root.append(probe);
  ui.host.style.setProperty("--sb-accent", config.accent);
  ui.host.style.setProperty("--sb-accent-text", contrastText(config.accent, probe));
  probe.remove();
}


function buildDetailsForm() {
  const required = config.askDetails === "required";
  const form = el("form", { class: "details" });
  form.append(
    el("p", {
      class: "details-intro",
      text: tr(required ? "details.intro_required" : "details.intro_optional"),
    })
  );
  const nameId = "sb-name";
  const emailId = "sb-email";
  const nameInput = el("input", {
    id: nameId,
    type: "text",
    name: "name",
    autocomplete: "name",
    required,
    maxlength: "100",
  });
  const emailInput = el("input", {
    id: emailId,
    type: "email",
    name: "email",
    autocomplete: "email",
    required,
    maxlength: "254",
  });
  const button = el("button", { type: "submit", class: "primary", text: tr("details.start") });
  form.append(
    el("label", { for: nameId, text: tr("details.name") }),
    nameInput,
    el("label", { for: emailId, text: tr("details.email") }),
    emailInput,
    button
  );
  form.addEventListener("submit", submitDetails);
  Object.assign(ui, {
    details: form,
    detailsName: nameInput,
    detailsEmail: emailInput,
    detailsButton: button,
  });
  return form;
}
