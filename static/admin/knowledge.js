/* The Knowledge base section: the articles, an editor with a safe preview, and a warning when
 * someone else saved the article meanwhile (409), with a way to load their version. */

import { el } from "../shared/dom.js";
import { request } from "./api.js";
import { confirmAction, flash, showError, when } from "./dialogs.js";
import { renderMarkdown } from "./markdown.js";

const BASE = "/api/v1/knowledge";

export class Knowledge {
  constructor(initial, onWrite) {
    this.articles = initial;
    this.onWrite = onWrite;
    this.editing = null; // {slug, version} of the article open in the editor; null for a new one
    this.list = document.getElementById("article-list");
    this.form = document.getElementById("article-editor");
    this.preview = document.getElementById("article-preview");
    this.conflict = document.getElementById("article-conflict");
    this.status = document.getElementById("article-status");
    this.reloadButton = document.getElementById("article-reload");
    this.form.elements.body.addEventListener("input", () => this.renderPreview());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    document.getElementById("article-new").addEventListener("click", () => this.open(null));
    document.getElementById("article-cancel").addEventListener("click", () => {
      this.form.hidden = true;
    });
    this.reloadButton.addEventListener("click", () => this.open(this.editing.slug));
    this.render();
  }

  render() {
    this.list.replaceChildren(
      ...this.articles.map((article) => {
        const edit = el("button", { type: "button", class: "link-button", text: "Edit", "aria-label": `Edit ${article.title}` });
        edit.addEventListener("click", () => this.open(article.slug));
        const remove = el("button", { type: "button", class: "danger-link", text: "Delete", "aria-label": `Delete ${article.title}` });
        remove.addEventListener("click", () => this.remove(article));
        return el(
          "li",
          { class: "article" },
          el("span", { class: "article-title", text: article.title }),
          el("span", { class: "muted", text: `${article.slug} · version ${article.version} · ${when(article.updated_at)}` }),
          el("span", { class: "article-actions" }, edit, remove)
        );
      })
    );
  }

  async open(slug) {
    showError(this.conflict, "");
    this.reloadButton.hidden = true;
    const slugInput = this.form.elements.slug;
    if (slug === null) {
      this.editing = null;
      slugInput.value = "";
      slugInput.readOnly = false;
      this.form.elements.body.value = "# New article\n\n## A question customers ask\n\nThe answer.\n";
    } else {
      const article = (await request("GET", `${BASE}/${slug}`)).article;
      this.editing = { slug: article.slug, version: article.version };
      slugInput.value = article.slug;
      slugInput.readOnly = true;
      this.form.elements.body.value = article.body;
    }
    this.form.hidden = false;
    this.renderPreview();
    this.form.elements.body.focus();
  }

  renderPreview() {
    this.preview.replaceChildren(renderMarkdown(this.form.elements.body.value));
  }

  async save() {
    showError(this.conflict, "");
    const slug = this.form.elements.slug.value.trim();
    const body = { body: this.form.elements.body.value };
    if (this.editing) body.version = this.editing.version;
    try {
      const article = (await request("PUT", `${BASE}/${encodeURIComponent(slug)}`, body)).article;
      this.editing = { slug: article.slug, version: article.version };
      this.form.elements.slug.readOnly = true;
      this.upsert(article);
      flash(this.status, `Saved version ${article.version}. The AI answers from it now.`);
      this.onWrite();
    } catch (error) {
      if (error.status === 409) {
        showError(this.conflict, `${error.message} Your text is still here: copy what you need, then load the saved version.`);
        this.reloadButton.hidden = false;
      } else {
        showError(this.conflict, error.message);
      }
    }
  }

  upsert(article) {
    const summary = { slug: article.slug, title: article.title, version: article.version, updated_at: article.updated_at };
    const index = this.articles.findIndex((a) => a.slug === article.slug);
    if (index >= 0) this.articles[index] = summary;
    else this.articles.push(summary);
    this.articles.sort((a, b) => (a.slug < b.slug ? -1 : 1));
    this.render();
  }

  async remove(article) {
    const ok = await confirmAction(`Delete “${article.title}”?`, "The AI stops answering from it at once.", "Delete");
    if (!ok) return;
    try {
      await request("DELETE", `${BASE}/${article.slug}`);
      this.articles = this.articles.filter((a) => a.slug !== article.slug);
      if (this.editing && this.editing.slug === article.slug) this.form.hidden = true;
      this.render();
      this.onWrite();
    } catch (error) {
      flash(this.status, error.message);
    }
  }
}
