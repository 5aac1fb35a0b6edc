// The widget's own styles, inside its shadow root: the intranet page's CSS does not reach in, ours not out.
// The configured colours arrive as --lb-c-* on the host (widget.js). Dark mode (prefers-color-scheme: dark, or
// colorScheme: "dark") swaps the surfaces (background, text, bot bubble) for dark ones and keeps the configured
// colours that come in pairs – primary/primaryText, userBubble/userText – so they stay as readable as configured.
const DARK = `
  --lb-bg: #14191c;
  --lb-text: #e6edf0;
  --lb-bot-bg: #243038;
  --lb-muted: #b0bdc3;
  --lb-accent: #9fd3ea;
  --lb-border: #6c7d85;
  --lb-rule: rgba(255, 255, 255, .22);
  --lb-input-bg: #1c2428;
  --lb-chip-bg: #1c2428;
  --lb-chip-used: #33434b;
  --lb-shadow: rgba(0, 0, 0, .6);
  color-scheme: dark;
`;

export const CSS = `
:host {
  all: initial;
  --lb-primary: var(--lb-c-primary, #005b7f);
  --lb-primary-text: var(--lb-c-primary-text, #fff);
  --lb-bg: var(--lb-c-bg, #fff);
  --lb-text: var(--lb-c-text, #1c2529);
  --lb-bot-bg: var(--lb-c-bot-bg, #eef3f6);
  --lb-user-bg: var(--lb-c-user-bg, #005b7f);
  --lb-user-text: var(--lb-c-user-text, #fff);
  --lb-muted: #56636a;
  --lb-accent: var(--lb-primary);
  --lb-border: #8a979d;
  --lb-rule: rgba(0, 0, 0, .15);
  --lb-input-bg: #fff;
  --lb-chip-bg: var(--lb-bg);
  --lb-chip-used: #dde6eb;
  --lb-shadow: rgba(0, 0, 0, .3);
  --lb-focus: #ffbf47;
  color-scheme: light;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 16px;
  line-height: 1.45;
  color: var(--lb-text);
}
@media (prefers-color-scheme: dark) { :host([data-scheme="auto"]) { ${DARK} } }
:host([data-scheme="dark"]) { ${DARK} }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
button, input, textarea { font: inherit; }
:focus-visible { outline: 3px solid var(--lb-focus); outline-offset: 2px; box-shadow: 0 0 0 5px #1c2529; }
.lb-sr {
  position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
.lb-icon { width: 16px; height: 16px; fill: currentColor; flex: none; }

.lb-launcher {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  display: inline-flex; align-items: center; gap: 8px;
  min-height: 56px; padding: 0 20px 0 16px; border: 0; border-radius: 28px;
  background: var(--lb-primary); color: var(--lb-primary-text);
  box-shadow: 0 4px 16px var(--lb-shadow); cursor: pointer; font-weight: 600;
}
.lb-launcher:hover { filter: brightness(1.1); }
.lb-launcher-icon { width: 24px; height: 24px; fill: currentColor; flex: none; }
.lb-launcher[aria-expanded="true"] .lb-launcher-text { display: none; }
.lb-launcher[aria-expanded="true"] { padding: 0 16px; }
.lb-badge {
  position: absolute; top: -6px; right: -4px; min-width: 22px; height: 22px; padding: 0 6px;
  border-radius: 11px; border: 2px solid #fff; background: #b3261e; color: #fff;
  font-size: 12px; font-weight: 700; line-height: 18px; text-align: center;
}

.lb-panel {
  position: fixed; right: 20px; bottom: 88px; z-index: 2147483001;
  display: flex; flex-direction: column;
  width: 380px; height: min(600px, calc(100vh - 110px));
  background: var(--lb-bg); color: var(--lb-text);
  border-radius: 12px; box-shadow: 0 8px 32px var(--lb-shadow); overflow: hidden;
}
.lb-header {
  display: flex; align-items: center; gap: 8px; padding: 12px 12px 12px 16px;
  background: var(--lb-primary); color: var(--lb-primary-text);
}
.lb-heading { flex: 1; min-width: 0; }
.lb-title { margin: 0; font-size: 17px; font-weight: 700; }
.lb-subtitle { margin: 0; font-size: 13px; opacity: .9; }
.lb-header button {
  border: 1px solid rgba(255, 255, 255, .6); border-radius: 6px; background: transparent;
  color: inherit; cursor: pointer; min-height: 36px; padding: 0 10px; font-size: 14px;
}
.lb-header .lb-close { min-width: 36px; font-size: 20px; line-height: 1; }

.lb-confirm { padding: 10px 16px; background: #fff4d6; color: #4a3800; border-bottom: 1px solid #e0cf9c; font-size: 14px; }
.lb-confirm-text { margin: 0 0 8px; font-weight: 600; }
.lb-confirm-actions { display: flex; gap: 8px; }
.lb-confirm button { min-height: 36px; padding: 0 16px; border-radius: 6px; cursor: pointer; font-size: 14px; font-weight: 600; }
.lb-confirm-yes { border: 1px solid #8c1d18; background: #a4262c; color: #fff; }
.lb-confirm-no { border: 1px solid #4a3800; background: #fff; color: #4a3800; }

.lb-status { margin: 0; padding: 6px 16px; font-size: 14px; background: #fff4d6; color: #4a3800; }

.lb-scroll-area { position: relative; flex: 1; min-height: 0; display: flex; flex-direction: column; }
.lb-scroll { flex: 1; overflow-y: auto; padding: 16px 12px 8px; overscroll-behavior: contain; overflow-anchor: none; }
.lb-new {
  position: absolute; left: 50%; bottom: 10px; transform: translateX(-50%);
  min-height: 36px; padding: 0 16px; border: 0; border-radius: 18px; cursor: pointer;
  background: var(--lb-primary); color: var(--lb-primary-text); font-size: 14px; font-weight: 600;
  box-shadow: 0 2px 10px var(--lb-shadow); white-space: nowrap;
}
.lb-log { display: flex; flex-direction: column; gap: 10px; }
.lb-row { display: flex; flex-direction: column; align-items: flex-start; }
.lb-row.lb-user { align-items: flex-end; }
.lb-row:focus { outline: none; }
.lb-row:focus-visible { outline: 3px solid var(--lb-focus); outline-offset: 2px; }
.lb-bubble {
  max-width: 88%; padding: 10px 12px; border-radius: 12px; overflow-wrap: anywhere;
  background: var(--lb-bot-bg); color: var(--lb-text); border-bottom-left-radius: 4px;
}
.lb-user .lb-bubble {
  background: var(--lb-user-bg); color: var(--lb-user-text);
  border-bottom-left-radius: 12px; border-bottom-right-radius: 4px;
}
.lb-text { margin: 0; white-space: pre-wrap; }
.lb-bubble > :not(.lb-sr) + :not(.lb-sr) { margin-top: 8px; }
.lb-title-line { font-weight: 700; }
.lb-title-line + .lb-list { margin-top: 4px; }
.lb-bubble a { color: inherit; text-decoration: underline; }
.lb-list { margin: 0; padding: 0; list-style: none; }
.lb-list li { position: relative; padding-left: 1.15em; }
.lb-list li + li { margin-top: 4px; }
.lb-bullet { position: absolute; left: .15em; top: 0; }
.lb-from { margin: 0; font-size: 14px; }
.lb-from-label {
  display: inline-block; margin-right: 6px; padding: 0 6px; border: 1px solid var(--lb-muted); border-radius: 4px;
  color: var(--lb-text); font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em;
}
.lb-from-text { font-weight: 600; }
.lb-source {
  margin: 10px 0 0; padding-top: 8px; border-top: 1px solid var(--lb-rule);
  font-size: 13px; color: var(--lb-muted); white-space: pre-wrap;
}
.lb-bubble > .lb-source { margin-top: 10px; }
.lb-source-label {
  display: inline-block; margin-right: 6px; padding: 0 6px; border-radius: 4px;
  background: var(--lb-primary); color: var(--lb-primary-text); font-size: 11px; font-weight: 700;
  text-transform: uppercase; letter-spacing: .04em;
}
.lb-pending { margin: 2px 4px 0; font-size: 12px; color: var(--lb-muted); }

.lb-quick { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; max-width: 100%; }
.lb-chip {
  display: inline-flex; align-items: center; gap: 4px;
  min-height: 36px; padding: 4px 12px; border: 1px solid var(--lb-accent); border-radius: 18px;
  background: var(--lb-chip-bg); color: var(--lb-accent); cursor: pointer; font-size: 14px; text-align: left;
}
.lb-chip:hover:not(:disabled) { background: var(--lb-bot-bg); }
.lb-chip:disabled { cursor: default; opacity: .6; }
.lb-chip.lb-used { opacity: 1; background: var(--lb-chip-used); color: var(--lb-text); border-color: var(--lb-muted); font-weight: 600; }

.lb-row.lb-feedback { flex-direction: row; flex-wrap: wrap; align-items: center; gap: 6px; }
.lb-feedback .lb-bubble { padding: 0 4px; background: transparent; color: var(--lb-muted); font-size: 13px; }
.lb-feedback .lb-quick { margin: 0; gap: 4px; }
.lb-feedback .lb-chip { min-height: 30px; padding: 0 10px; font-size: 13px; border-color: var(--lb-border); color: var(--lb-muted); }
.lb-feedback .lb-chip.lb-used { color: var(--lb-text); border-color: var(--lb-muted); }
.lb-comment { flex-basis: 100%; display: flex; flex-direction: column; gap: 4px; margin: 4px 0 0; max-width: 100%; }
.lb-comment-label { font-size: 13px; color: var(--lb-muted); }
.lb-comment-row { display: flex; gap: 6px; align-items: flex-end; }
.lb-comment-input {
  flex: 1; min-width: 0; min-height: 44px; padding: 6px 10px; resize: vertical; font-size: 14px;
  border: 1px solid var(--lb-border); border-radius: 8px; color: var(--lb-text); background: var(--lb-input-bg);
}
.lb-comment-send {
  min-height: 36px; padding: 0 14px; border: 0; border-radius: 8px; cursor: pointer; font-size: 14px; font-weight: 600;
  background: var(--lb-primary); color: var(--lb-primary-text);
}

.lb-welcome .lb-bubble { border-bottom-left-radius: 12px; }

.lb-typing { display: flex; gap: 4px; align-items: center; width: max-content; margin: 10px 0 4px;
  padding: 12px 14px; border-radius: 12px; background: var(--lb-bot-bg); }
.lb-dot { width: 7px; height: 7px; border-radius: 50%; background: var(--lb-muted); animation: lb-bounce 1.2s infinite; }
.lb-dot:nth-child(3) { animation-delay: .15s; }
.lb-dot:nth-child(4) { animation-delay: .3s; }
@keyframes lb-bounce { 0%, 60%, 100% { transform: translateY(0); opacity: .5; } 30% { transform: translateY(-4px); opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .lb-dot { animation: none; } }

.lb-form { display: flex; align-items: flex-end; gap: 8px; padding: 10px 12px; border-top: 1px solid var(--lb-rule); background: var(--lb-bg); }
.lb-input {
  flex: 1; min-width: 0; min-height: 44px; max-height: 140px; padding: 10px 12px; resize: none; overflow-y: hidden;
  border: 1px solid var(--lb-border); border-radius: 8px; color: var(--lb-text); background: var(--lb-input-bg);
}
.lb-send {
  min-height: 44px; padding: 0 16px; border: 0; border-radius: 8px; cursor: pointer; font-weight: 600;
  background: var(--lb-primary); color: var(--lb-primary-text);
}

@media (max-width: 480px) {
  .lb-panel { inset: 0; right: 0; bottom: 0; width: 100%; height: 100%; max-height: none; border-radius: 0; }
  /* Closed on a phone: a round icon-only button (its aria-label names it), so it covers little of the page. */
  .lb-launcher { right: 12px; bottom: 12px; width: 56px; height: 56px; padding: 0; border-radius: 50%; justify-content: center; }
  .lb-launcher-text { display: none; }
  .lb-launcher[aria-expanded="true"] { display: none; }
  .lb-bubble { max-width: 92%; }
}
@media (forced-colors: active) {
  .lb-bubble, .lb-chip, .lb-launcher, .lb-panel, .lb-new { border: 1px solid CanvasText; }
}
`;
