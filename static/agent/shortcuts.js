/* Keyboard shortcuts for the inbox, listed by `?` in a dialog. They act only when no text field
 * has the focus (Alt+N also switches Reply / Note inside the composer). */

const TYPING = new Set(["INPUT", "TEXTAREA", "SELECT"]);

export class Shortcuts {
  constructor(app) {
    this.app = app;
    this.dialog = document.getElementById("shortcuts-dialog");
    document.getElementById("shortcuts-close").addEventListener("click", () => this.dialog.close());
    document.getElementById("shortcuts-open").addEventListener("click", () => this.dialog.showModal());
    document.addEventListener("keydown", (event) => this.onKey(event));
  }

  onKey(event) {
    const target = event.target;
    if (event.defaultPrevented || event.ctrlKey || event.metaKey) return;
    if (TYPING.has(target.tagName) || target.isContentEditable || document.querySelector("dialog[open]")) return;
    if (event.altKey) {
      if (event.code === "KeyN") this.act(event, () => this.app.setNoteMode(!this.app.noteMode));
      return;
    }
    const actions = {
      "?": () => this.dialog.showModal(),
      j: () => this.step(1),
      k: () => this.step(-1),
      a: () => this.press(/^(Assign to Me|Take over)$/),
      c: () => this.press(/^Close conversation$/),
      n: () => this.app.setNoteMode(true),
      r: () => this.app.setNoteMode(false),
    };
    const action = actions[event.key];
    if (action) this.act(event, action);
  }

  act(event, action) {
    event.preventDefault();
    action();
  }

  /** Open the next (1) or previous (-1) conversation of the list as it is shown. */
  step(by) {
    const ids = [...document.querySelectorAll("#conversation-list button.conv")].map((b) => Number(b.dataset.id));
    if (!ids.length) return;
    const at = ids.indexOf(this.app.openId);
    const next = at < 0 ? (by > 0 ? 0 : ids.length - 1) : Math.max(0, Math.min(ids.length - 1, at + by));
    this.app.open(ids[next], { focus: false });
    const button = document.querySelector(`#conversation-list button.conv[data-id="${ids[next]}"]`);
    if (button) button.focus();
  }

  /** Press the open conversation's header button of that name, when it is there. */
  press(name) {
    const button = [...document.querySelectorAll(".thread-actions button")].find((b) => name.test(b.textContent.trim()));
    if (button && !button.disabled) button.click();
  }
}
