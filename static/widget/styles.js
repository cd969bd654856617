/* The widget's stylesheet, adopted by its shadow root: the host page's CSS cannot reach in, and
 * `:host { all: initial }` keeps inherited styles out. */

export const CSS_TEXT = `
:host { all: initial !important; }
[hidden] { display: none !important; }
.sb {
  --sb-text: #1f2937; --sb-muted: #6b7280; --sb-line: #e5e7eb; --sb-bg: #ffffff;
  --sb-soft: #f3f4f6; --sb-danger: #dc2626;
  --sb-mine: var(--sb-accent, #2563eb); --sb-mine-text: var(--sb-accent-text, #ffffff);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--sb-text);
  -webkit-font-smoothing: antialiased;
  text-align: start;
}
.sb *, .sb *::before, .sb *::after { box-sizing: border-box; }
.visually-hidden {
  position: absolute !important; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap;
}
button { font: inherit; color: inherit; cursor: pointer; }
button:focus-visible, textarea:focus-visible, input:focus-visible, .log:focus-visible {
  outline: 2px solid var(--sb-accent, #2563eb); outline-offset: 2px;
}

.launcher {
  position: fixed; bottom: 20px; inset-inline-end: 20px; z-index: 2147483000;
  width: 60px; height: 60px; border-radius: 50%; border: 0; padding: 0;
  display: grid; place-items: center;
  background: var(--sb-accent, #2563eb); color: var(--sb-accent-text, #fff);
  box-shadow: 0 6px 20px rgb(0 0 0 / 22%), 0 2px 6px rgb(0 0 0 / 12%);
  transition: box-shadow .18s ease;
}
.left .launcher { inset-inline-end: auto; inset-inline-start: 20px; }
.launcher:hover { box-shadow: 0 8px 26px rgb(0 0 0 / 30%), 0 2px 6px rgb(0 0 0 / 14%); }
.launcher .icon { grid-area: 1 / 1; width: 28px; height: 28px; transition: transform .2s ease, opacity .2s ease; }
.launcher .icon-down { opacity: 0; transform: rotate(-90deg); }
.open .launcher .icon-chat { opacity: 0; transform: rotate(90deg) scale(.6); }
.open .launcher .icon-down { opacity: 1; transform: none; }
.badge {
  position: absolute; top: -3px; inset-inline-end: -3px; min-width: 22px; height: 22px; padding: 0 6px;
  border-radius: 11px; background: var(--sb-danger); color: #fff; border: 2px solid #fff;
  font-size: 11px; font-weight: 700; line-height: 18px; text-align: center;
}

.icon { width: 20px; height: 20px; fill: none; stroke: currentColor; stroke-width: 2;
  stroke-linecap: round; stroke-linejoin: round; }
.icon-chat { fill: currentColor; stroke: none; }
.icon-chat path { stroke: var(--sb-accent, #2563eb); stroke-width: 1.8; fill: currentColor; }
.icon-send { fill: currentColor; stroke: none; }

.panel {
  position: fixed; z-index: 2147483000; bottom: 96px; inset-inline-end: 20px;
  width: 370px; height: min(560px, calc(100vh - 120px)); max-height: calc(100dvh - 120px);
  display: flex; flex-direction: column; overflow: hidden;
  background: var(--sb-bg); border-radius: 16px;
  box-shadow: 0 12px 48px rgb(15 23 42 / 22%), 0 2px 8px rgb(15 23 42 / 10%);
  opacity: 0; visibility: hidden; transform: translateY(16px) scale(.98);
  transform-origin: bottom right;
  transition: opacity .2s ease, transform .2s ease, visibility 0s linear .2s;
}
.left .panel { inset-inline-end: auto; inset-inline-start: 20px; transform-origin: bottom left; }
[dir="rtl"] .panel { transform-origin: bottom left; }
[dir="rtl"].left .panel { transform-origin: bottom right; }
.open .panel { opacity: 1; visibility: visible; transform: none; transition-delay: 0s; }

.head {
  display: flex; align-items: center; gap: 12px; padding-block: 16px;
  padding-inline: 18px 16px;
  background: var(--sb-accent, #2563eb); color: var(--sb-accent-text, #fff);
  background-image: linear-gradient(135deg, rgb(255 255 255 / 14%), rgb(0 0 0 / 6%));
}
.avatar {
  flex: none; width: 40px; height: 40px; border-radius: 50%;
  display: grid; place-items: center; font-weight: 700; font-size: 15px; letter-spacing: .02em;
  background: rgb(255 255 255 / 22%); color: inherit; border: 2px solid rgb(255 255 255 / 35%);
}
.titles { flex: 1; min-width: 0; }
.title { margin: 0; font-size: 16px; font-weight: 650; line-height: 1.3;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.subtitle { margin: 2px 0 0; font-size: 12.5px; opacity: .92; display: flex; align-items: center; gap: 6px;
  white-space: nowrap; overflow: hidden; }
.status { overflow: hidden; text-overflow: ellipsis; }
.dot { flex: none; width: 8px; height: 8px; border-radius: 50%; background: #34d399;
  margin-inline-start: 2px; /* room for the ring: .subtitle clips what overflows */
  box-shadow: 0 0 0 2px rgb(255 255 255 / 35%); }
[data-status="queued"] .dot { background: #fbbf24; }
[data-status="closed"] .dot { background: #9ca3af; }
[data-away] .dot { background: #9ca3af; }
[data-status="down"] .dot { background: #fbbf24; animation: sb-pulse 1.2s ease-in-out infinite; }
.close {
  display: none; flex: none; width: 36px; height: 36px; border-radius: 50%; border: 0; padding: 0;
  place-items: center; background: rgb(255 255 255 / 16%); color: inherit;
}
.close:hover { background: rgb(255 255 255 / 28%); }
.download {
  display: grid; flex: none; width: 36px; height: 36px; border-radius: 50%; border: 0; padding: 0;
  place-items: center; background: transparent; color: inherit;
}
.download:hover { background: rgb(255 255 255 / 22%); }
.download:disabled { opacity: .6; cursor: progress; }

.log {
  flex: 1; overflow-y: auto; overscroll-behavior: contain; padding: 16px 14px 8px;
  display: flex; flex-direction: column; gap: 2px; background: #fafafa;
  scrollbar-width: thin;
}
.row { display: flex; flex-direction: column; max-width: 82%; margin-top: 10px; }
.row.cont { margin-top: 2px; }
.row.cont .who { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
.theirs { align-self: flex-start; align-items: flex-start; }
.mine { align-self: flex-end; align-items: flex-end; }
.system { align-self: center; align-items: center; max-width: 90%; margin: 12px 0 4px; }
.who { font-size: 11.5px; font-weight: 600; color: var(--sb-muted); margin: 0 4px 3px; }
.bubble {
  padding: 9px 13px; border-radius: 16px; white-space: pre-wrap; overflow-wrap: anywhere;
  word-break: break-word;
}
.theirs .bubble { background: #fff; color: var(--sb-text); border: 1px solid var(--sb-line);
  border-end-start-radius: 5px; box-shadow: 0 1px 2px rgb(0 0 0 / 4%); }
.mine .bubble { background: var(--sb-mine); color: var(--sb-mine-text); border-end-end-radius: 5px; }
.system .bubble { background: transparent; color: var(--sb-muted); font-size: 12.5px;
  text-align: center; padding: 2px 8px; }
/* Sending: the "Sending…" line says so; a faded bubble (was opacity .7) put white text under 4.5:1. */
.mine.sending .bubble { outline: 2px dashed rgb(255 255 255 / 60%); outline-offset: -4px; }
.mine.failed .bubble { background: #fee2e2; color: #7f1d1d; }
.meta { display: flex; align-items: center; gap: 6px; font-size: 11px; color: var(--sb-muted);
  margin: 3px 4px 0; min-height: 15px; }
.theirs .meta, .system .meta { display: none; }
.row:hover .meta, .row:last-child .meta, .mine .meta { display: flex; }
.system .meta { display: none !important; }
.failed .state { color: var(--sb-danger); font-weight: 600; }
.seen .state { color: var(--sb-text); font-weight: 600; }
.retry { border: 0; background: none; padding: 0; color: var(--sb-accent, #2563eb);
  font-weight: 600; font-size: 11.5px; text-decoration: underline; }

.typing { display: flex; align-items: center; gap: 8px; padding: 4px 18px 6px;
  font-size: 12px; color: var(--sb-muted); background: #fafafa; }
.dots { display: inline-flex; gap: 3px; }
.dots i { width: 5px; height: 5px; border-radius: 50%; background: currentColor;
  animation: sb-bounce 1.2s infinite ease-in-out; }
.dots i:nth-child(2) { animation-delay: .15s; }
.dots i:nth-child(3) { animation-delay: .3s; }

.availability { margin: 0; padding: 8px 16px; font-size: 12.5px; line-height: 1.4; color: #374151;
  background: #f3f4f6; border-top: 1px solid #e5e7eb; }
.availability.away { color: #92400e; background: #fffbeb; border-top-color: #fde68a; }
.availability:empty { padding: 0; border: 0; }
.queue-line { margin: 0; padding: 8px 16px; font-size: 13px; font-weight: 600; line-height: 1.4;
  color: #92400e; background: #fffbeb; border-top: 1px solid #fde68a; }
.notice { margin: 0; padding: 8px 16px; font-size: 12.5px; background: #fef2f2; color: #991b1b;
  border-top: 1px solid #fecaca; }

.actions { display: flex; justify-content: center; padding: 8px 12px 0; background: #fafafa; }
.handoff {
  border: 1px solid var(--sb-line); background: #fff; color: var(--sb-text); border-radius: 999px;
  padding: 6px 14px; font-size: 12.5px; font-weight: 550; box-shadow: 0 1px 2px rgb(0 0 0 / 5%);
}
.handoff:hover { border-color: var(--sb-accent, #2563eb); color: var(--sb-accent, #2563eb); }
.handoff:disabled { opacity: .6; cursor: progress; }

.composer {
  display: flex; align-items: flex-end; gap: 8px; margin: 0; padding: 10px 12px;
  background: #fafafa;
}
.input {
  flex: 1; min-height: 42px; max-height: 140px; resize: none; margin: 0;
  padding: 10px 14px; border: 1px solid var(--sb-line); border-radius: 21px; background: #fff;
  font: inherit; color: var(--sb-text); line-height: 1.4; overflow-y: auto;
}
.input::placeholder { color: var(--sb-muted); }
.input:focus { border-color: var(--sb-accent, #2563eb);
  box-shadow: 0 0 0 3px color-mix(in srgb, var(--sb-accent, #2563eb) 18%, transparent); }
.send {
  flex: none; width: 42px; height: 42px; border-radius: 50%; border: 0; padding: 0;
  display: grid; place-items: center;
  background: var(--sb-accent, #2563eb); color: var(--sb-accent-text, #fff);
}
.send:hover { filter: brightness(1.08); }
.attach {
  flex: none; width: 42px; height: 42px; border-radius: 50%; border: 1px solid var(--sb-line);
  padding: 0; display: grid; place-items: center; background: #fff; color: var(--sb-muted);
}
.attach:hover { color: var(--sb-accent, #2563eb); border-color: var(--sb-accent, #2563eb); }
.bubble.has-file { display: flex; flex-direction: column; gap: 6px; }
.bubble .image img { display: block; max-width: 100%; max-height: 220px; border-radius: 10px;
  background: var(--sb-soft); }
.bubble .file { display: flex; flex-direction: column; color: inherit; text-decoration: none;
  padding: 6px 10px; border-radius: 10px; background: rgb(255 255 255 / 22%);
  border: 1px solid rgb(0 0 0 / 10%); }
.bubble .file:hover .file-name { text-decoration: underline; }
.file-name { font-weight: 600; }
.file-size { font-size: 11.5px; opacity: .85; }
.send .icon { width: 19px; height: 19px; margin-inline-start: 2px; }
/* The arrows point the way the text runs. */
[dir="rtl"] .send .icon { transform: scaleX(-1); }

.details { display: flex; flex-direction: column; gap: 4px; margin: 0; padding: 12px 16px 14px;
  background: #fafafa; border-top: 1px solid var(--sb-line); }
.details-intro { margin: 0 0 6px; font-weight: 600; }
.details label { font-size: 12px; font-weight: 600; color: var(--sb-muted); margin-top: 4px; }
.details input { font: inherit; color: var(--sb-text); padding: 9px 12px; border-radius: 10px;
  border: 1px solid var(--sb-line); background: #fff; }
.details input:focus { border-color: var(--sb-accent, #2563eb); }
.primary { margin-top: 10px; border: 0; border-radius: 10px; padding: 10px 14px; font-weight: 600;
  background: var(--sb-accent, #2563eb); color: var(--sb-accent-text, #fff); }
.primary:disabled { opacity: .6; cursor: progress; }

.contact { display: flex; flex-direction: column; gap: 4px; margin: 0; padding: 10px 16px 12px;
  background: #fafafa; border-top: 1px solid var(--sb-line); font-size: 13px; }
.contact-intro { margin: 0 0 4px; }
.contact label { font-size: 12px; font-weight: 600; color: var(--sb-muted); }
.contact-row { display: flex; gap: 8px; align-items: stretch; }
.contact-row input { flex: 1; min-width: 0; font: inherit; color: var(--sb-text); padding: 8px 10px;
  border-radius: 10px; border: 1px solid var(--sb-line); background: #fff; }
.contact-row input:focus { border-color: var(--sb-accent, #2563eb); }
.contact-row .primary { margin-top: 0; }
.contact-skip { align-self: flex-start; border: 0; background: none; padding: 2px 0; font: inherit;
  font-size: 12px; color: var(--sb-muted); text-decoration: underline; cursor: pointer; }
.contact-error { margin: 0; color: #991b1b; font-size: 12.5px; }
.contact-done { margin: 0; padding: 8px 16px; font-size: 12.5px; background: #f0fdf4; color: #166534; }

.csat-card { align-self: stretch; margin: 14px 2px 6px; padding: 14px 14px 12px; border-radius: 14px;
  background: #fff; border: 1px solid var(--sb-line); box-shadow: 0 1px 3px rgb(0 0 0 / 6%); }
.csat { display: flex; flex-direction: column; gap: 6px; margin: 0; }
.csat-title { margin: 0; font-weight: 650; font-size: 15px; text-align: center; }
.csat-ratings { display: flex; justify-content: center; gap: 6px; margin: 2px 0 4px; }
.csat-rate { display: flex; flex-direction: column; align-items: center; gap: 1px; width: 48px;
  padding: 6px 0 4px; border: 1px solid var(--sb-line); border-radius: 10px; background: #fff;
  color: var(--sb-muted); }
.csat-rate .icon-star { width: 24px; height: 24px; stroke-width: 1.5; }
.csat-rate.lit .icon-star, .csat-stars .lit { fill: #f59e0b; stroke: #d97706; }
.csat-rate[aria-pressed="true"] { border-color: var(--sb-accent, #2563eb); color: var(--sb-text);
  box-shadow: 0 0 0 2px color-mix(in srgb, var(--sb-accent, #2563eb) 25%, transparent); }
.csat-rate:hover { border-color: var(--sb-accent, #2563eb); }
.csat-number { font-size: 12px; font-weight: 600; }
.csat label { font-size: 12px; font-weight: 600; color: var(--sb-muted); }
.csat-comment { font: inherit; color: var(--sb-text); padding: 8px 10px; border-radius: 10px;
  border: 1px solid var(--sb-line); background: #fff; resize: vertical; min-height: 44px; max-height: 140px; }
.csat-comment:focus { border-color: var(--sb-accent, #2563eb); }
.csat .primary { margin-top: 4px; }
.csat .primary[aria-disabled="true"] { opacity: .6; cursor: progress; }
.csat-error { margin: 0; color: #991b1b; font-size: 12.5px; }
.csat-thanks { display: flex; flex-direction: column; align-items: center; gap: 4px; text-align: center; }
.csat-thanks:focus { outline: none; }
.csat-thanks-text { display: flex; flex-direction: column; }
.csat-stars { display: inline-flex; gap: 2px; }
.csat-stars .icon-star { width: 18px; height: 18px; stroke: #d1d5db; stroke-width: 1.5; }

.foot { margin: 0; padding: 0 0 8px; text-align: center; font-size: 10.5px; color: var(--sb-muted);
  background: #fafafa; letter-spacing: .02em; }

@keyframes sb-bounce { 0%, 80%, 100% { transform: translateY(0); opacity: .5; }
  40% { transform: translateY(-3px); opacity: 1; } }
@keyframes sb-pulse { 50% { opacity: .35; } }

@media (max-width: 480px) {
  .panel, .left .panel {
    inset: auto 0 auto 0; top: var(--sb-vv-top, 0); width: 100%; height: var(--sb-vv-height, 100%);
    max-height: none; border-radius: 0;
    transform: translateY(24px);
  }
  .open .panel { transform: none; }
  .close { display: grid; }
  .open .launcher { display: none; }
  .launcher { bottom: 16px; inset-inline-end: 16px; }
  .left .launcher { inset-inline-start: 16px; }
  .input { font-size: 16px; } /* keeps iOS from zooming in on focus */
}
@media (prefers-reduced-motion: reduce) {
  .panel, .launcher, .launcher .icon { transition: none; }
  .dots i, .dot { animation: none !important; }
}
`;
