/* What the server accepts: for now the server's defaults, written here (it has the final say,
 * refusing a longer message with 422 and a larger file with 413). */

import { ui } from "./view.js";

export const limits = {
  contentMax: 4000,
  fileMax: 10 * 1024 * 1024,
  fileTypes: ".png,.jpg,.jpeg,.gif,.webp,.pdf,.txt,.csv,.log,.md,.docx,.xlsx".split(","),
};

/** The message box takes no more characters than the server does; the file picker offers the
 * types it takes (it still reads each file's type from its content). */
export function applyLimits() {
  if (!ui) return;
  ui.input.maxLength = limits.contentMax;
  ui.fileInput.accept = limits.fileTypes.join(",");
}
