/* Switchboard chat widget: the entry point, which mounts the widget once the page has a body.
 *
 * Embed with: <script src="https://HOST/chat-widget.js" async></script> (the attributes it
 * reads are listed in config.js). The server joins these modules and the shared ones they
 * import into that one script at start (chat/routes/widget.py); they are also valid ES modules.
 *
 * Plain ES2020, no build step, no dependencies. Everything renders inside an open Shadow DOM
 * styled by a constructable stylesheet, so it works under a CSP without 'unsafe-inline' and
 * host CSS cannot reach it. All text is set with textContent; nothing is parsed as HTML.
 *
 * A conversation is started lazily, on the visitor's first message (or when they submit the
 * name/email form when the details are asked for), so idle visitors create nothing on the server.
 */

import { store } from "./config.js";
import { renderBadge, updateHeader } from "./header.js";
import { chooseLanguage } from "./i18n.js";
import { askAtLoad } from "./limits.js";
import { renderPending } from "./messages.js";
import { deliver } from "./outbox.js";
import { setOpen, showDetailsForm } from "./panel.js";
import { restore } from "./session.js";
import { state } from "./state.js";
import { build, ui } from "./view.js";

async function boot() {
  await askAtLoad();
  chooseLanguage();
  build();
  updateHeader();
  renderBadge();
  for (const item of state.outbox) renderPending(item);
  if (ui.details && !state.key) showDetailsForm(true);
  if (state.key) {
    restore();
    for (const item of state.outbox.slice()) deliver(item);
    if (store.get("open") === "1") setOpen(true, { focus: false });
  } else {
    for (const item of state.outbox.slice()) deliver(item);
  }
}

// Embedded twice: the first copy wins.
if (!window.SwitchboardWidget) {
  window.SwitchboardWidget = Object.freeze({
    version: "1",
    open: () => ui && setOpen(true),
    close: () => ui && setOpen(false),
    toggle: () => ui && setOpen(!state.open),
  });
  if (document.body) boot();
  else document.addEventListener("DOMContentLoaded", boot, { once: true });
}
