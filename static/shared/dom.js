/* Building elements for both clients. Text is only ever set as textContent, never parsed as HTML. */

/** An element with attributes and children; `text` sets textContent, `class` the class name,
 * `true` an empty attribute; null, undefined and false leave an attribute or a child out. */
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child == null || child === false) continue;
    node.append(child);
  }
  return node;
}
