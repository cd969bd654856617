/* The Audit log section: every admin write, newest first, reloaded after each write here. */

import { el } from "../shared/dom.js";
import { request } from "./api.js";
import { when } from "./dialogs.js";

export class AuditLog {
  constructor(initial) {
    this.body = document.getElementById("audit-body");
    this.render(initial);
  }

  render(entries) {
    this.body.replaceChildren(
      ...entries.map((entry) =>
        el(
          "tr",
          null,
          el("td", null, el("time", { datetime: entry.created_at, text: when(entry.created_at) })),
          el("td", { text: entry.agent ? entry.agent.name : "—" }),
          el("td", { text: entry.action }),
          el("td", { text: entry.detail })
        )
      )
    );
  }

  async reload() {
    try {
      this.render((await request("GET", "/api/v1/audit")).entries);
    } catch (_) {
      /* the next write reloads it again */
    }
  }
}
