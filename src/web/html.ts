/**
 * The page builder (issue #16): one HTML page for both the live view and the report file, the same bundle
 * (dist/web/page.js and page.css, built by scripts/build-page.mjs) inlined in both, told what to do by its
 * config element (page/config.ts).
 *   pageHtml(config)                 the live page (no records: they come over the event stream); web/server.ts
 *                                    serves it with a CSP header hashing its inline script
 *   writeReport(out, config, records) the report file, streamed: each session's records are written out as
 *                                    the session ends (or in parts, for a long one), so memory holds only the
 *                                    sessions still open and the small index, whatever the capture's size
 * Everything the page shows comes from JSON in script elements the browser never runs, escaped so nothing in a
 * record can end its element (page/embedded.ts); the page writes text with textContent. The report carries
 * its own CSP in a <meta> element: its one script by hash, nothing loaded from anywhere.
 */
import { readFileSync } from 'node:fs';
import { sessionKey } from '../diagram/sessions.js';
import { DIAGRAM_CSS } from '../diagram/style.js';
import type { JsonRecord } from '../render/json.js';
import type { PageConfig } from './page/config.js';
import { CONFIG_ID, embeddableJson, INDEX_ID, partId } from './page/embedded.js';
import { EntryBuilder, type IndexEntry } from './page/entries.js';
import { REPORT_PART_CHARS } from './page/limits.js';
import { pageCsp } from './server.js';

/** The bundle is missing: pop3scope runs from a tree whose page was never built. */
export class PageBundleError extends Error {
  constructor() {
    super('the page bundle is missing (run npm run build)');
  }
}

export interface PageBundle {
  readonly js: string;
  readonly css: string;
}

/** From src/web/ (tests run the source) and from dist/web/ (the built CLI) alike: the repository's dist/web/. */
const BUNDLE_DIR = new URL('../../dist/web/', import.meta.url);

let cached: PageBundle | null = null;

/** The built page, read once. Throws PageBundleError when it is not there. `dir`: another place (tests). */
export function pageBundle(dir: URL = BUNDLE_DIR): PageBundle {
  if (cached && dir === BUNDLE_DIR) return cached;
  try {
    const js = readFileSync(new URL('page.js', dir), 'utf8');
    const css = readFileSync(new URL('page.css', dir), 'utf8');
    // esbuild escapes "</script" for inline scripts (scripts/build-page.mjs); a bundle that still has one
    // would end its own element early.
    if (/<\/script/i.test(js)) throw new Error('dist/web/page.js holds "</script": it cannot be inlined');
    const bundle = { js, css };
    if (dir === BUNDLE_DIR) cached = bundle;
    return bundle;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new PageBundleError();
    throw error;
  }
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const script = (js: string) => `<script>${js}</script>`;

/** Everything before the data: head (styles, the CSP when given, the config) and the page's mount point. */
function head(config: PageConfig, bundle: PageBundle, csp: string | null): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
${csp ? `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">\n` : ''}<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(config.title)}</title>
<style>${bundle.css}</style>
<style>${DIAGRAM_CSS}</style>
<script type="application/json" id="${CONFIG_ID}">${embeddableJson(config)}</script>
</head><body>
<noscript><p>This page needs JavaScript to draw its sessions.</p></noscript>
<div id="pop3scope-page"></div>
`;
}

function tail(bundle: PageBundle, index: readonly IndexEntry[]): string {
  return `<script type="application/json" id="${INDEX_ID}">${embeddableJson(index)}</script>
${script(bundle.js)}
</body></html>
`;
}

/** The live page for `config` (mode 'live'): no records in it; its one inline script is the bundle. */
export function pageHtml(config: PageConfig): string {
  const bundle = pageBundle();
  return head(config, bundle, null) + tail(bundle, []);
}

/** The report's Content-Security-Policy (in its <meta> element): the bundle's script by hash, nothing else. */
export function reportCsp(bundle: PageBundle = pageBundle()): string {
  return pageCsp(script(bundle.js), 'meta');
}

/** Where the report goes: each write resolves when the text may be followed by more (backpressure). */
export interface TextOut {
  write(text: string): Promise<void> | void;
}

export interface ReportStats {
  readonly sessions: number;
  readonly parts: number;
  readonly records: number;
}

interface Open {
  readonly builder: EntryBuilder;
  readonly parts: number[];
  pending: string[];
  chars: number;
}

/**
 * The report, written as records come (push: the CLI's engine sink): `add` each record in the order they
 * happened (sessions interleaved, `file` set when several captures were read), then `finish`. A session's
 * records are written out as one part when its summary comes, or earlier in parts of about
 * REPORT_PART_CHARS; the index and the script come last.
 */
export class ReportWriter {
  private readonly bundle = pageBundle();
  private readonly open = new Map<string, Open>();
  private readonly order: { key: string; entry: IndexEntry | null }[] = [];
  private readonly slot = new Map<string, number>();
  private started = false;
  private parts = 0;
  private records = 0;

  constructor(
    private readonly out: TextOut,
    private readonly config: PageConfig,
  ) {}

  async add(r: JsonRecord): Promise<void> {
    if (!this.started) await this.start();
    this.records++;
    const key = sessionKey(r.file, r.session);
    let o = this.open.get(key);
    if (!o) {
      // A session id seen again after its summary (ids reused in one capture) is a session of its own.
      const k = this.slot.has(key) ? `${key}\u0000${this.order.length}` : key;
      o = { builder: new EntryBuilder(k, r.session, r.file), parts: [], pending: [], chars: 0 };
      this.open.set(key, o);
      this.slot.set(key, this.order.length);
      this.order.push({ key: k, entry: null });
    }
    o.builder.add(r);
    const json = embeddableJson(r);
    o.pending.push(json);
    o.chars += json.length + 1;
    if (r.type === 'summary') await this.close(key, o);
    else if (o.chars >= REPORT_PART_CHARS) await this.flush(o);
  }

  async finish(): Promise<ReportStats> {
    if (!this.started) await this.start();
    // Sessions a cut capture left without a summary are listed with what they had.
    for (const [key, o] of [...this.open]) await this.close(key, o);
    const index = this.order.flatMap((o) => (o.entry ? [o.entry] : []));
    await this.out.write(tail(this.bundle, index));
    return { sessions: index.length, parts: this.parts, records: this.records };
  }

  private async start(): Promise<void> {
    this.started = true;
    await this.out.write(head(this.config, this.bundle, reportCsp(this.bundle)));
  }

  private async flush(o: Open): Promise<void> {
    if (o.pending.length === 0) return;
    const n = this.parts++;
    o.parts.push(n);
    const body = `[${o.pending.join(',')}]`;
    o.pending = [];
    o.chars = 0;
    await this.out.write(`<script type="application/json" id="${partId(n)}">${body}</script>\n`);
  }

  private async close(key: string, o: Open): Promise<void> {
    await this.flush(o);
    this.open.delete(key);
    const i = this.slot.get(key)!;
    this.order[i] = { key: this.order[i]!.key, entry: { ...o.builder.entry(), parts: o.parts } };
  }
}

/** The whole report for `records` at once (tests, and callers that have the records as an iterable). */
export async function writeReport(
  out: TextOut,
  config: PageConfig,
  records: AsyncIterable<JsonRecord> | Iterable<JsonRecord>,
): Promise<ReportStats> {
  const writer = new ReportWriter(out, config);
  for await (const r of records) await writer.add(r);
  return writer.finish();
}
