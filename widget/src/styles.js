// The widget's own styles, inside its shadow root: the intranet page's CSS does not reach in, ours not out.
export const CSS = `
:host {
  all: initial;
  --lb-primary: #005b7f;
  --lb-primary-text: #fff;
  --lb-bg: #fff;
  --lb-text: #1c2529;
  --lb-bot-bg: #eef3f6;
  --lb-user-bg: #005b7f;
  --lb-user-text: #fff;
  --lb-muted: #56636a;
  --lb-focus: #ffbf47;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 16px;
  line-height: 1.45;
  color: var(--lb-text);
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
button, input, textarea { font: inherit; }
:focus-visible { outline: 3px solid var(--lb-focus); outline-offset: 2px; box-shadow: 0 0 0 5px #1c2529; }
.lb-sr {
  position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}

.lb-launcher {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  display: inline-flex; align-items: center; gap: 8px;
  min-height: 56px; padding: 0 20px 0 16px; border: 0; border-radius: 28px;
  background: var(--lb-primary); color: var(--lb-primary-text);
  box-shadow: 0 4px 16px rgba(0, 0, 0, .25); cursor: pointer; font-weight: 600;
}
.lb-launcher:hover { filter: brightness(1.1); }
.lb-launcher svg { width: 24px; height: 24px; fill: currentColor; flex: none; }
.lb-launcher[aria-expanded="true"] .lb-launcher-text { display: none; }
.lb-launcher[aria-expanded="true"] { padding: 0 16px; }

.lb-panel {
  position: fixed; right: 20px; bottom: 88px; z-index: 2147483001;
  display: flex; flex-direction: column;
  width: 380px; height: min(600px, calc(100vh - 110px));
  background: var(--lb-bg); color: var(--lb-text);
  border-radius: 12px; box-shadow: 0 8px 32px rgba(0, 0, 0, .3); overflow: hidden;
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

.lb-status { margin: 0; padding: 6px 16px; font-size: 14px; background: #fff4d6; color: #4a3800; }

.lb-scroll { flex: 1; overflow-y: auto; padding: 16px 12px 8px; overscroll-behavior: contain; }
.lb-log { display: flex; flex-direction: column; gap: 10px; }
.lb-row { display: flex; flex-direction: column; align-items: flex-start; }
.lb-row.lb-user { align-items: flex-end; }
.lb-bubble {
  max-width: 88%; padding: 10px 12px; border-radius: 12px; overflow-wrap: anywhere;
  background: var(--lb-bot-bg); color: var(--lb-text); border-bottom-left-radius: 4px;
}
.lb-user .lb-bubble {
  background: var(--lb-user-bg); color: var(--lb-user-text);
  border-bottom-left-radius: 12px; border-bottom-right-radius: 4px;
}
.lb-text { margin: 0; white-space: pre-wrap; }
.lb-text + .lb-text { margin-top: 8px; }
.lb-answer > p.lb-text:first-of-type { font-weight: 700; }
.lb-bubble a { color: inherit; text-decoration: underline; }
.lb-source {
  margin: 10px 0 0; padding-top: 8px; border-top: 1px solid rgba(0, 0, 0, .15);
  font-size: 13px; color: var(--lb-muted); white-space: pre-wrap;
}
.lb-source-label {
  display: inline-block; margin-right: 6px; padding: 0 6px; border-radius: 4px;
  background: var(--lb-primary); color: var(--lb-primary-text); font-size: 11px; font-weight: 700;
  text-transform: uppercase; letter-spacing: .04em;
}
.lb-pending { margin: 2px 4px 0; font-size: 12px; color: var(--lb-muted); }

.lb-quick { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; max-width: 100%; }
.lb-chip {
  min-height: 36px; padding: 4px 12px; border: 1px solid var(--lb-primary); border-radius: 18px;
  background: var(--lb-bg); color: var(--lb-primary); cursor: pointer; font-size: 14px; text-align: left;
}
.lb-chip:hover { background: var(--lb-bot-bg); }

.lb-row.lb-feedback { flex-direction: row; flex-wrap: wrap; align-items: center; gap: 6px; }
.lb-feedback .lb-bubble { padding: 0 4px; background: transparent; color: var(--lb-muted); font-size: 13px; }
.lb-feedback .lb-quick { margin: 0; gap: 4px; }
.lb-feedback .lb-chip { min-height: 28px; padding: 0 10px; font-size: 13px; border-color: #b7c3c9; color: var(--lb-muted); }

.lb-welcome .lb-bubble { border-bottom-left-radius: 12px; }

.lb-typing { display: flex; gap: 4px; align-items: center; width: max-content; margin: 10px 0 4px;
  padding: 12px 14px; border-radius: 12px; background: var(--lb-bot-bg); }
.lb-dot { width: 7px; height: 7px; border-radius: 50%; background: var(--lb-muted); animation: lb-bounce 1.2s infinite; }
.lb-dot:nth-child(3) { animation-delay: .15s; }
.lb-dot:nth-child(4) { animation-delay: .3s; }
@keyframes lb-bounce { 0%, 60%, 100% { transform: translateY(0); opacity: .5; } 30% { transform: translateY(-4px); opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .lb-dot { animation: none; } }

.lb-form { display: flex; gap: 8px; padding: 10px 12px; border-top: 1px solid #d5dde1; background: var(--lb-bg); }
.lb-input {
  flex: 1; min-width: 0; min-height: 44px; max-height: 120px; padding: 10px 12px; resize: none;
  border: 1px solid #8a979d; border-radius: 8px; color: var(--lb-text); background: #fff;
}
.lb-send {
  min-height: 44px; padding: 0 16px; border: 0; border-radius: 8px; cursor: pointer; font-weight: 600;
  background: var(--lb-primary); color: var(--lb-primary-text);
}

@media (max-width: 480px) {
  .lb-panel { inset: 0; right: 0; bottom: 0; width: 100%; height: 100%; max-height: none; border-radius: 0; }
  .lb-launcher { right: 12px; bottom: 12px; }
  .lb-launcher[aria-expanded="true"] { display: none; }
  .lb-bubble { max-width: 92%; }
}
@media (forced-colors: active) {
  .lb-bubble, .lb-chip, .lb-launcher, .lb-panel { border: 1px solid CanvasText; }
}
`;
