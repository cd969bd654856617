/* A small Markdown renderer for the knowledge base's preview. It builds DOM nodes and sets
 * text only with textContent, so nothing in an article is ever parsed as HTML; links keep only
 * http(s) and mailto addresses. Headings, paragraphs, lists, code blocks, **bold**, *italic*,
 * `code` and [links](https://…): what the articles use. */

import { el } from "../shared/dom.js";

const INLINE = /(\*\*[^*]+\*\*|\*[^*\s][^*]*\*|`[^`]+`|\[[^\]]+\]\([^)\s]+\))/;

/** The article as a fragment of safe nodes. */
export function renderMarkdown(text) {
  const out = document.createDocumentFragment();
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let paragraph = [];
  let list = null;
  const flush = () => {
    if (paragraph.length) out.append(el("p", null, ...inline(paragraph.join(" "))));
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    if (line.startsWith("```")) {
      flush();
      list = null;
      const code = [];
      for (i += 1; i < lines.length && !lines[i].startsWith("```"); i += 1) code.push(lines[i]);
      out.append(el("pre", null, el("code", { text: code.join("\n") })));
      continue;
    }
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    const item = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      list = null;
      out.append(el(`h${Math.min(heading[1].length + 1, 5)}`, null, ...inline(heading[2])));
    } else if (item) {
      flush();
      const tag = item[1] ? "ul" : "ol";
      if (!list || list.tagName.toLowerCase() !== tag) {
        list = el(tag);
        out.append(list);
      }
      list.append(el("li", null, ...inline(item[3])));
    } else if (!line.trim()) {
      flush();
      list = null;
    } else {
      list = null;
      paragraph.push(line.trim());
    }
  }
  flush();
  return out;
}

function inline(text) {
  const nodes = [];
  for (const part of text.split(INLINE)) {
    if (!part) continue;
    if (part.startsWith("**") && part.endsWith("**") && part.length > 4) {
      nodes.push(el("strong", { text: part.slice(2, -2) }));
    } else if (part.startsWith("`") && part.endsWith("`") && part.length > 2) {
      nodes.push(el("code", { text: part.slice(1, -1) }));
    } else if (part.startsWith("*") && part.endsWith("*") && part.length > 2) {
      nodes.push(el("em", { text: part.slice(1, -1) }));
    } else if (part.startsWith("[")) {
      const match = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(part);
      const href = match && safeUrl(match[2]);
      if (href) nodes.push(el("a", { href, text: match[1], rel: "noopener noreferrer", target: "_blank" }));
      else nodes.push(document.createTextNode(part));
    } else {
      nodes.push(document.createTextNode(part));
    }
  }
  return nodes;
}

function safeUrl(raw) {
  try {
    const url = new URL(raw, location.href);
    return ["http:", "https:", "mailto:"].includes(url.protocol) ? url.href : null;
  } catch (_) {
    return null;
  }
}
