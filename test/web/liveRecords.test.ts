/**
 * The live view's records and page as `--web` sets them up (cli/webOptions.ts): the feed hands the data
 * events to recordMaker (render/wireBytes.ts), so every transaction streamed carries its bytes, in order with
 * the rest, masked; the default feed never queues data events; the real page (web/html.ts pageHtml) served
 * with a CSP header that hashes exactly its one inline script.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/analysis/types.js';
import { type JsonRecord, jsonRecord } from '../../src/render/json.js';
import { recordMaker } from '../../src/render/wireBytes.js';
import { RecordFeed } from '../../src/web/feed.js';
import { pageBundle, pageHtml } from '../../src/web/html.js';
import { inlineScripts, pageCsp, WebServer } from '../../src/web/server.js';
import { c, LOGIN, multiline, runDialogue, s, wholeChunks } from '../helpers/chunking.js';
import { buildPageBundle } from '../helpers/pageBundle.js';
import { waitFor } from '../helpers/proxyHarness.js';
import { jsonOutputProblems } from '../helpers/schema.js';
import { secretForms } from '../helpers/secrets.js';
import { fetchText, openEvents } from '../helpers/sse.js';

const TOKEN = 'live-token-0123456789ab';
const run = () =>
  runDialogue(
    [
      ...LOGIN,
      c('RETR 1\r\n'),
      s(`+OK\r\n${multiline(['Subject: hi', '', 'text'])}`),
      c('QUIT\r\n'),
      s('+OK\r\n'),
    ],
    wholeChunks,
    's1',
  );

/** The transactions of run(), each with its exact bytes, masked. */
function expectRunBytes(records: readonly JsonRecord[]): void {
  const txs = records.flatMap((r) => (r.type === 'transaction' ? [r] : []));
  expect(txs.map((t) => t.bytes?.command)).toEqual([
    null,
    'USER bob\r\n',
    'PASS *******\r\n',
    'RETR 1\r\n',
    'QUIT\r\n',
  ]);
  expect(txs[3]!.bytes?.response).toBe('+OK\r\nSubject: hi\r\n\r\ntext\r\n.\r\n');
}

describe('the feed with recordMaker', () => {
  let web: WebServer;
  let feed: RecordFeed;
  beforeAll(async () => {
    buildPageBundle();
    feed = new RecordFeed({ toRecord: recordMaker(), withData: true });
    web = await WebServer.start({
      host: '127.0.0.1',
      port: 0,
      feed,
      page: pageHtml,
      title: 'live',
      token: TOKEN,
    });
  });
  afterAll(() => web.stop());

  it('streams every transaction with its bytes, masked, valid against the schema', async () => {
    const base = `http://127.0.0.1:${web.address().port}`;
    const events = await openEvents(`${base}/events?t=${TOKEN}`);
    for (const e of run().raw) feed.event(e);
    await events.until(() => events.records().some((x) => x.record.type === 'summary'));
    const records = events.records().map((x) => x.record as unknown as JsonRecord);
    for (const r of records) expect(jsonOutputProblems(r)).toBeNull();
    expectRunBytes(records);
    for (const form of secretForms('hunter2')) expect(events.text()).not.toContain(form);
    events.close();
  });

  it("keeps its own copy of a data event's bytes: the proxy reads into that buffer again after the call", async () => {
    const reused = new RecordFeed({ toRecord: recordMaker(), withData: true });
    const records: JsonRecord[] = [];
    const out = new PassThrough();
    out.on('data', (d: Buffer) => {
      for (const m of d.toString('utf8').matchAll(/^data: (.*)$/gm))
        records.push(JSON.parse(m[1]!) as JsonRecord);
    });
    reused.subscribe(out, null);
    for (const e of run().raw) {
      if (e.type !== 'data') {
        reused.event(e);
        continue;
      }
      // As src/proxy/readPool.ts does: the same memory holds the next read once event() has returned.
      const bytes = Buffer.from(e.bytes);
      reused.event({ ...e, bytes });
      bytes.fill(0x7e);
    }
    await waitFor(() => records.some((r) => r.type === 'summary'));
    await reused.stop();
    expectRunBytes(records);
  });

  it('serves the real page with a CSP that hashes exactly its one inline script, the bundle', async () => {
    const page = await fetchText(`http://127.0.0.1:${web.address().port}/?t=${TOKEN}`);
    expect(page.status).toBe(200);
    expect(inlineScripts(page.body)).toEqual([pageBundle().js]);
    expect(page.headers['content-security-policy']).toBe(pageCsp(page.body));
    expect(page.body).toContain('"mode":"live"');
    expect(page.body).toContain(`"eventsUrl":"events?t=${TOKEN}"`);
  });
});

describe('the default feed', () => {
  it('never hands data events (or command events) to its converter', async () => {
    const seen: string[] = [];
    const feed = new RecordFeed({
      toRecord: (e: EngineEvent) => {
        seen.push(e.type);
        return jsonRecord(e);
      },
    });
    for (const e of run().raw) feed.event(e);
    await feed.end(0);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).not.toContain('data');
    expect(seen).not.toContain('command');
  });

  it('with withData, the converter gets the data events in order with the rest', async () => {
    const seen: string[] = [];
    const feed = new RecordFeed({
      withData: true,
      toRecord: (e: EngineEvent) => {
        seen.push(e.type);
        return jsonRecord(e);
      },
    });
    const raw = run().raw;
    for (const e of raw) feed.event(e);
    await feed.end(0);
    expect(seen).toEqual(raw.filter((e) => e.type !== 'command').map((e) => e.type));
  });
});
