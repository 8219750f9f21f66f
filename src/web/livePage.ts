/**
 * The live page's HTML for the web view (web/server.ts builds it once per run, with the config that points
 * it at its event stream). INTERIM: until the page bundle and its builder (web/html.ts, issue #16) land,
 * this is a plain list of the records as they arrive — no diagram — so `--web` works end to end; then it
 * becomes a call of that builder with mode "live". Safe as it is: text only (textContent), its one inline
 * script hashed into the server's CSP, the config JSON escaped so it cannot close its script element.
 */
import type { PageConfig } from './page/config.js';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Runs in the browser: reads the config, follows the stream, shows each record as one line. */
const SCRIPT = `
const config = JSON.parse(document.getElementById('pop3scope-config').textContent);
const status = document.getElementById('status');
const list = document.getElementById('records');
const source = new EventSource(config.eventsUrl);
source.onopen = () => { status.textContent = 'live'; };
source.onerror = () => { if (status.textContent !== 'ended') status.textContent = 'reconnecting'; };
source.onmessage = (m) => {
  const r = JSON.parse(m.data);
  const li = document.createElement('li');
  const what = r.type === 'transaction' ? (r.command ? r.command.line : 'greeting') + ' → ' + r.response.status + ' ' + r.response.text : r.type;
  li.textContent = '[' + r.session + '] ' + what;
  list.append(li);
};
source.addEventListener('dropped', (m) => {
  const d = JSON.parse(m.data);
  document.getElementById('dropped').textContent = d.sessions + ' older sessions (' + d.records + ' records) were dropped from the backlog';
});
source.addEventListener('end', () => { source.close(); status.textContent = 'ended'; });
`;

export function livePageHtml(config: PageConfig): string {
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(config.title)}</title></head>
<body><h1>${escapeHtml(config.title)}</h1>
<script type="application/json" id="pop3scope-config">${json}</script>
<p>status: <span id="status">connecting</span> <span id="dropped"></span></p>
<ol id="records"></ol>
<script>${SCRIPT}</script>
</body></html>
`;
}
