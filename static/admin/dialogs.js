/* The page's two dialogs: a confirmation, and editing an agent. Both are <dialog> elements. */

const confirmDialog = document.getElementById("confirm");

/** Ask before something that cannot be undone at a click: resolves true on the OK button. */
export function confirmAction(title, text, okLabel) {
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-ok").textContent = okLabel;
  confirmDialog.returnValue = "";
  confirmDialog.showModal();
  return new Promise((resolve) => {
    confirmDialog.addEventListener("close", () => resolve(confirmDialog.returnValue === "ok"), {
      once: true,
    });
  });
}

/** Show `text` in an alert paragraph, or hide it when empty. */
export function showError(node, text) {
  node.textContent = text || "";
  node.hidden = !text;
}

/** A short status line that clears itself. */
export function flash(node, text) {
  node.textContent = text;
  clearTimeout(node.sbTimer);
  node.sbTimer = setTimeout(() => {
    node.textContent = "";
  }, 6000);
}

export function when(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}
