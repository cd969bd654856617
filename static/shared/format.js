/* Text both clients send or show: message content as the server accepts it, file sizes, times. */

/** What the server accepts as content: no control characters but \n and \t, no lone
 * surrogates (each becomes U+FFFD), line breaks as \n, trimmed. */
export function cleanContent(text) {
  return text
    .replace(/\r\n?/g, "\n")
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, "")
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")
    .trim();
}

/** How long a text is as the server counts it: in characters (code points), not UTF-16 units. */
export function characterCount(text) {
  return [...text].length;
}

/** "12 bytes", "3 KB", "1.5 MB". */
export function fileSize(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/** An ISO time as a Date, or null when it is missing or not a time. */
export function parseTime(iso) {
  const date = iso ? new Date(iso) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

/** "10:42 AM" (in the reader's locale); "" for a missing or malformed time. */
export function clockTime(iso) {
  const date = parseTime(iso);
  return date ? date.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" }) : "";
}
