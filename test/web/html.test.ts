/**
 * The page builder (web/html.ts): the report written as a stream, its data in script elements nothing in a
 * record can end, a session's records in parts (memory bounded), the index, the CSP hashing the one script;
 * the live page's inline script hashed by the server's CSP as it is.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonRecord, JsonTransactionRecord } from '../../src/render/json.js';
import { PageBundleError, pageBundle, pageHtml, reportCsp, writeReport } from '../../src/web/html.js';
import { CONFIG_ID, INDEX_ID, partId } from '../../src/web/page/embedded.js';
import { embeddedSource } from '../../src/web/page/embeddedSource.js';
import type { IndexEntry } from '../../src/web/page/entries.js';
import { REPORT_PART_CHARS } from '../../src/web/page/limits.js';
import { inlineScripts, pageCsp } from '../../src/web/server.js';
import { buildPageBundle } from '../helpers/pageBundle.js';

beforeAll(() => buildPageBundle());

const tx = (session: string, seq: number, line: string | null, text = ''): JsonTransactionRecord => ({
  type: 'transaction',
  session,
  version: 1,
  seq,
  phase: 'TRANSACTION',
  command:
    line === null
      ? null
      : { verb: line.split(' ')[0]!.toUpperCase(), args: line.split(' ').slice(1), line, pipelined: false },
  response: {
    status: '+OK',
    code: null,
    text,
    multiline: false,
    bodyOctets: 0,
    bodyLines: 0,
    complete: true,
  },
  startedAt: 1000 + seq,
  endedAt: 1001 + seq,
  latencyMs: 1,
  explain: 'x',
  rfc: 'RFC 1939 §5',
  violations: [],
});

const summary = (session: string, user: string): JsonRecord =>
  ({
    type: 'summary',
    session,
    version: 1,
    client: '127.0.0.1:1',
    upstream: '127.0.0.1:110',
    user,
    auth: 'USER/PASS',
    tls: 'none',
    phases: [],
    mode: 'download-and-keep',
    commands: 1,
    retrieved: [],
    marked: [],
    removed: [],
    discarded: [],
    violations: { POP3_X: 2 },
    bytes: { c2s: 1, s2c: 1 },
    startedAt: 1000,
    endedAt: 2000,
    durationMs: 1000,
    closedBy: 'client',
    closeReason: null,
  }) as JsonRecord;

/** The text of every script element with this id in `html`, as a document lookup. */
function documentOf(html: string) {
  const elements = new Map<string, string>();
  for (const m of html.matchAll(/<script type="application\/json" id="([^"]+)">([\s\S]*?)<\/script>/g))
    elements.set(m[1]!, m[2]!);
  return { getElementById: (id: string) => (elements.has(id) ? { textContent: elements.get(id)! } : null) };
}

async function report(records: JsonRecord[]) {
  const writes: string[] = [];
  const stats = await writeReport(
    { write: (t) => void writes.push(t) },
    { mode: 'report', title: 't <b>' },
    records,
  );
  return { html: writes.join(''), writes, stats };
}

describe('writeReport', () => {
  it('embeds each session as parts, lists it in the index, and reads back the same records', async () => {
    const records: JsonRecord[] = [
      tx('s1', 0, null, 'ready'),
      tx('s2', 0, null, 'ready'),
      tx('s1', 1, 'user bob'),
      summary('s1', 'bob'),
      tx('s2', 1, 'user alice'),
      summary('s2', 'alice'),
    ];
    const { html, stats } = await report(records);
    expect(stats).toEqual({ sessions: 2, parts: 2, records: 6 });
    const source = embeddedSource(documentOf(html));
    const index = source.index();
    expect(index.map((e) => [e.session, e.user, e.violations, e.mode, e.parts])).toEqual([
      ['s1', 'bob', 2, 'download-and-keep', [0]],
      ['s2', 'alice', 2, 'download-and-keep', [1]],
    ]);
    expect(source.records(index[0]!)).toEqual([records[0], records[2], records[3]]);
    expect(source.records(index[1]!)).toEqual([records[1], records[4], records[5]]);
    // The title is escaped; the config is where the page looks for it.
    expect(html).toContain('<title>t &lt;b&gt;</title>');
    expect(JSON.parse(documentOf(html).getElementById(CONFIG_ID)!.textContent)).toEqual({
      mode: 'report',
      title: 't <b>',
    });
  });

  it('no record text can end its element or start a script: one executable script, the bundle', async () => {
    const evil = '</script><script>alert(1)</script><!-- <img src=x onerror=alert(2)>';
    const { html } = await report([tx('s1', 1, evil, evil), summary('s1', evil)]);
    expect(html).not.toContain(evil);
    expect(html).not.toContain('<img');
    expect(inlineScripts(html)).toEqual([pageBundle().js]);
    const source = embeddedSource(documentOf(html));
    expect(source.index()[0]?.user).toBe(evil);
    expect((source.records(source.index()[0]!)[0] as JsonTransactionRecord).command?.line).toBe(evil);
  });

  it('the CSP in the file hashes exactly its script and allows nothing from anywhere', async () => {
    const { html } = await report([summary('s1', 'bob')]);
    const csp = reportCsp();
    expect(html).toContain(`content="${csp.replace(/'/g, '&#39;')}"`);
    expect(csp).toBe(pageCsp(html, 'meta'));
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'; /);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'none'");
    expect(csp).not.toContain('frame-ancestors');
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:|\/\/)/i);
  });

  it('writes a long session out in parts while it is still open (memory bounded), in order', async () => {
    const writes: string[] = [];
    const n = 4000;
    let writtenBeforeEnd = 0;
    async function* records(): AsyncGenerator<JsonRecord> {
      for (let i = 1; i <= n; i++) yield tx('big', i, `noop ${'x'.repeat(200)}`);
      writtenBeforeEnd = writes.join('').length;
      yield summary('big', 'bob');
    }
    const stats = await writeReport(
      { write: (t) => void writes.push(t) },
      { mode: 'report', title: 't' },
      records(),
    );
    const html = writes.join('');
    expect(stats.parts).toBeGreaterThan(3);
    // Every part but the last was written before the session ended; none is much larger than the limit.
    expect(writtenBeforeEnd).toBeGreaterThan(html.length * 0.6);
    for (let p = 0; p < stats.parts; p++) {
      const part = documentOf(html).getElementById(partId(p))!.textContent;
      expect(part.length).toBeLessThan(REPORT_PART_CHARS + 1024);
    }
    const source = embeddedSource(documentOf(html));
    const entry = source.index()[0] as IndexEntry;
    expect(entry.parts).toEqual([...Array(stats.parts).keys()]);
    const back = source.records(entry);
    expect(back.length).toBe(n + 1);
    expect(back.slice(0, -1).map((r) => (r as JsonTransactionRecord).seq)).toEqual(
      [...Array(n).keys()].map((i) => i + 1),
    );
  });

  it('lists a session cut before its summary, and a session id reused after one as a second session', async () => {
    const { html } = await report([
      tx('s1', 1, 'user bob'),
      summary('s1', 'bob'),
      tx('s1', 1, 'user carol'),
      tx('s9', 1, 'user dave'),
    ]);
    const index = embeddedSource(documentOf(html)).index();
    expect(index.map((e) => [e.session, e.user, e.ended])).toEqual([
      ['s1', 'bob', true],
      ['s1', 'carol', false],
      ['s9', 'dave', false],
    ]);
    expect(new Set(index.map((e) => e.key)).size).toBe(3);
  });

  it('an empty capture is a page with an empty index', async () => {
    const { html, stats } = await report([]);
    expect(stats).toEqual({ sessions: 0, parts: 0, records: 0 });
    expect(documentOf(html).getElementById(INDEX_ID)?.textContent).toBe('[]');
  });
});

describe('pageHtml (the live view)', () => {
  it('has the config and the bundle as its only executable script, which the server CSP hashes', () => {
    const html = pageHtml({ mode: 'live', title: 'live </title>', eventsUrl: 'events?t=abc' });
    expect(inlineScripts(html)).toEqual([pageBundle().js]);
    expect(pageCsp(html)).toContain("connect-src 'self'");
    expect(html).not.toContain('http-equiv="Content-Security-Policy"');
    expect(html).toContain('<title>live &lt;/title&gt;</title>');
    expect(JSON.parse(documentOf(html).getElementById(CONFIG_ID)!.textContent).eventsUrl).toBe(
      'events?t=abc',
    );
  });
});

describe('pageBundle', () => {
  it('a tree whose page was never built: one clear message, which the CLI prints as its one line', () => {
    const nowhere = new URL('file:///nonexistent-pop3scope-bundle/');
    expect(() => pageBundle(nowhere)).toThrow(PageBundleError);
    expect(() => pageBundle(nowhere)).toThrow('the page bundle is missing (run npm run build)');
  });

  it('the built bundle can be inlined: no "</script" in it, and no Node module left in it', () => {
    const { js, css } = pageBundle();
    expect(js).not.toMatch(/<\/script/i);
    expect(js).not.toMatch(/\brequire\(|node:/);
    expect(css).toContain('@media print');
  });
});
