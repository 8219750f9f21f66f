/**
 * The web view's server over real loopback HTTP (node:http requests, no browser): the guards (token, Host,
 * method, path), the headers, the feed of a real POP3 session relayed by the proxy (backlog first, then live,
 * in order, each record valid against the published schema, no password in it), reconnects with
 * Last-Event-ID, a subscriber that does not read, the limits, heartbeats and the end of the stream.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/analysis/types.js';
import type { ProxyServer } from '../../src/proxy/server.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { RecordFeed } from '../../src/web/feed.js';
import type { PageConfig } from '../../src/web/page/config.js';
import { inlineScripts, pageCsp, WebServer } from '../../src/web/server.js';
import { poplib } from '../helpers/clients.js';
import { startTestProxy } from '../helpers/proxyHarness.js';
import { jsonOutputProblems } from '../helpers/schema.js';
import { secretForms } from '../helpers/secrets.js';
import { type EventStream, fetchText, openEvents } from '../helpers/sse.js';

const TOKEN = 'test-token-0123456789ab';

/** A stand-in page: the config as the page reads it, and one inline script (so the CSP hash can be checked). */
const testPage = (config: PageConfig) =>
  `<!doctype html><script type="application/json" id="pop3scope-config">${JSON.stringify(config)}</script><script>window.started = 1;</script>`;

async function startWeb(feed: RecordFeed, o: { host?: string; steps?: boolean } = {}): Promise<WebServer> {
  return WebServer.start({
    host: o.host ?? '127.0.0.1',
    port: 0,
    feed,
    page: testPage,
    title: 'test',
    steps: o.steps,
    token: TOKEN,
  });
}

/** A poplib session through the proxy that logs in with USER/PASS hungry, lists, retrieves 1 and quits. */
function bobSession(port: number) {
  return poplib(
    `
    p = poplib.POP3(HOST, PORT, timeout=10)
    p.user(USER); p.pass_(PASSWORD)
    p.list(); p.retr(1)
    p.quit()`,
    { POP_PORT: String(port), POP_USER: 'bob', POP_PASSWORD: 'hungry' },
  );
}

const phase = (session: string, n: number): EngineEvent => ({
  type: 'phase',
  session,
  from: null,
  to: 'AUTHORIZATION',
  at: n,
  reason: `r${n}`,
});

const proxyText = (session: string, text: string): EngineEvent => ({
  type: 'proxy',
  session,
  t: 0,
  dir: 's2c',
  text,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('web/server: the guards and headers', () => {
  let feed: RecordFeed;
  let web: WebServer;
  let base: string;
  beforeAll(async () => {
    feed = new RecordFeed();
    web = await startWeb(feed, { steps: true });
    base = `http://127.0.0.1:${web.address().port}`;
  });
  afterAll(() => web.stop());

  it('serves the page with the right token, built with mode live, the events URL and steps', async () => {
    const r = await fetchText(`${base}/?t=${TOKEN}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    const config = JSON.parse(/<script type="application\/json"[^>]*>(.*?)<\/script>/.exec(r.body)![1]!);
    expect(config).toEqual({ mode: 'live', title: 'test', eventsUrl: `events?t=${TOKEN}`, steps: true });
  });

  it.each([
    ['no token', '/'],
    ['a wrong token', '/?t=wrong'],
    ['the token one character short', `/?t=${TOKEN.slice(0, -1)}`],
    ['the events without a token', '/events'],
    ['the events with a wrong token', `/events?t=${TOKEN}x`],
  ])('403 for %s', async (_what, path) => {
    const r = await fetchText(base + path);
    expect(r.status).toBe(403);
    expect(r.body).toMatch(/token/);
    expect(r.body).not.toContain(TOKEN);
  });

  it('404 for any other path, even with the token; 405 for other methods', async () => {
    expect((await fetchText(`${base}/favicon.ico`)).status).toBe(404);
    expect((await fetchText(`${base}/events/x?t=${TOKEN}`)).status).toBe(404);
    const post = await fetchText(`${base}/?t=${TOKEN}`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await fetchText(`${base}/?t=${TOKEN}`, { method: 'PUT' })).status).toBe(405);
  });

  it('HEAD answers the headers without a body', async () => {
    const r = await fetchText(`${base}/?t=${TOKEN}`, { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    expect(Number(r.headers['content-length'])).toBeGreaterThan(50);
  });

  it('refuses a Host that does not name this server (DNS rebinding), accepts loopback names and literals', async () => {
    const port = web.address().port;
    const withHost = (host: string) => fetchText(`${base}/?t=${TOKEN}`, { headers: { Host: host } });
    expect((await withHost(`evil.example:${port}`)).status).toBe(403);
    expect((await withHost('evil.example')).status).toBe(403);
    expect((await withHost(`localhost:${port + 1}`)).status).toBe(403);
    expect((await withHost('127.0.0.1')).status).toBe(403);
    expect((await withHost(`localhost:${port}`)).status).toBe(200);
    expect((await withHost(`app.localhost:${port}`)).status).toBe(200);
    expect((await withHost(`127.0.0.1:${port}`)).status).toBe(200);
    expect((await withHost(`[::1]:${port}`)).status).toBe(200);
  });

  it('every answer says no-store, nosniff, no-referrer and has a CSP; the page runs only its own script', async () => {
    for (const path of ['/', `/?t=${TOKEN}`, '/nothing']) {
      const r = await fetchText(base + path);
      expect(r.headers['cache-control']).toBe('no-store');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
      expect(r.headers['content-security-policy']).toMatch(/default-src 'none'/);
    }
    const page = await fetchText(`${base}/?t=${TOKEN}`);
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).toBe(pageCsp(page.body));
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]{44}'; /);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    // The JSON config block is data, not a script: only the executable one is hashed.
    expect(inlineScripts(page.body)).toEqual(['window.started = 1;']);
  });

  it('a non-loopback server allows the name it listens on, and IP literals', async () => {
    const f = new RecordFeed();
    const w = await WebServer.start({
      host: 'localhost',
      port: 0,
      feed: f,
      page: testPage,
      title: 't',
      token: TOKEN,
    });
    const port = w.address().port;
    const r = await fetchText(`http://127.0.0.1:${port}/?t=${TOKEN}`, {
      headers: { Host: `LOCALHOST:${port}` },
    });
    expect(r.status).toBe(200);
    await w.stop();
  });

  it('a random token is 128 bits of base64url, new each start, and in the printed URL', async () => {
    const a = await WebServer.start({
      host: '127.0.0.1',
      port: 0,
      feed: new RecordFeed(),
      page: testPage,
      title: '',
    });
    const b = await WebServer.start({
      host: '127.0.0.1',
      port: 0,
      feed: new RecordFeed(),
      page: testPage,
      title: '',
    });
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(a.token).not.toBe(b.token);
    expect(a.url()).toBe(`http://127.0.0.1:${a.address().port}/?t=${a.token}`);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('a port in use is the OS error, before anything is served', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    await expect(
      WebServer.start({ host: '127.0.0.1', port, feed: new RecordFeed(), page: testPage, title: '' }),
    ).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await new Promise((r) => taken.close(r));
  });
});

describe('web/server: the feed of real sessions through the proxy', () => {
  let pop: RunningServer;
  let proxy: ProxyServer;
  let feed: RecordFeed;
  let web: WebServer;
  let events: string;
  beforeAll(async () => {
    pop = await startServer({ host: '127.0.0.1', port: 0, demo: true });
    feed = new RecordFeed();
    proxy = await startTestProxy(pop.address().port, [feed]);
    web = await startWeb(feed);
    events = `http://127.0.0.1:${web.address().port}/events?t=${TOKEN}`;
  });
  afterAll(async () => {
    await proxy.stop(500);
    await web.stop();
    await pop.close();
  });

  const sessionRecords = (s: EventStream, session: string) =>
    s.records().filter((r) => r.record.session === session);

  let first: { id: number; record: { type: string; session: string } }[] = [];

  it('a page opened after a session gets it from the backlog: in order, valid, ending with its summary', async () => {
    const r = await bobSession(proxy.address().port);
    expect(r.code, r.stderr).toBe(0);
    const s = await openEvents(events);
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(s.headers['cache-control']).toBe('no-store');
    await s.until(() => s.records().some((x) => x.record.type === 'summary'));
    first = s.records();
    const ids = first.map((x) => x.id);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    const verbs = first.flatMap((x) =>
      x.record.type === 'transaction'
        ? [(x.record as { command: { verb: string } | null }).command?.verb ?? '(greeting)']
        : [],
    );
    expect(verbs).toEqual(['(greeting)', 'USER', 'PASS', 'LIST', 'RETR', 'QUIT']);
    expect(first.at(-1)!.record.type).toBe('summary');
    for (const x of first) expect(jsonOutputProblems(x.record), JSON.stringify(x.record)).toBeNull();
    const pass = first.find((x) => (x.record as { command?: { verb: string } }).command?.verb === 'PASS');
    expect((pass!.record as unknown as { command: { line: string } }).command.line).toMatch(
      /^PASS <redacted/,
    );
    for (const form of secretForms('hungry')) expect(s.text()).not.toContain(form);
    s.close();
  });

  it('an open page gets a new session live, after the backlog, ids going on; no password in it', async () => {
    const s = await openEvents(events);
    await s.until(() => s.records().length >= first.length);
    expect(s.records().map((x) => x.id)).toEqual(first.map((x) => x.id));
    const r = await bobSession(proxy.address().port);
    expect(r.code, r.stderr).toBe(0);
    await s.until(() => s.records().filter((x) => x.record.type === 'summary').length === 2);
    const all = s.records();
    const second = all.slice(first.length);
    const sessions = new Set(second.map((x) => x.record.session));
    expect(sessions.size).toBe(1);
    expect([...sessions][0]).not.toBe(first[0]!.record.session);
    expect(second.map((x) => x.id)).toEqual(second.map((_, i) => first.length + i + 1));
    for (const x of second) expect(jsonOutputProblems(x.record)).toBeNull();
    for (const form of secretForms('hungry')) expect(s.text()).not.toContain(form);
    expect(sessionRecords(s, first[0]!.record.session)).toHaveLength(first.length);
    s.close();
  });

  it('a reconnect with Last-Event-ID (or ?last=) gets only what came after, nothing twice', async () => {
    const total = feed.lastId;
    const cut = 3;
    const header = await openEvents(events, { 'Last-Event-ID': String(cut) });
    await header.until(() => header.records().at(-1)?.id === total);
    expect(header.records().map((x) => x.id)).toEqual(
      Array.from({ length: total - cut }, (_, i) => cut + 1 + i),
    );
    header.close();
    const query = await openEvents(`${events}&last=${total - 1}`);
    await query.until(() => query.records().length > 0);
    await sleep(100);
    expect(query.records().map((x) => x.id)).toEqual([total]);
    // Nothing was dropped: no 'dropped' event.
    expect(query.events.some((e) => e.event === 'dropped')).toBe(false);
    query.close();
  });
});

describe('web/feed: limits, slow subscribers, heartbeats, the end', () => {
  it('a page opened after the backlog dropped sessions is told so, and gets the sessions kept', async () => {
    const feed = new RecordFeed({ limits: { sessions: 1 } });
    const web = await startWeb(feed);
    feed.event(phase('s1', 1));
    feed.event(phase('s2', 2));
    const s = await openEvents(`http://127.0.0.1:${web.address().port}/events?t=${TOKEN}`);
    await s.until(() => s.records().length === 1);
    expect(s.events[0]).toEqual({ id: null, event: 'dropped', data: '{"sessions":1,"records":1}' });
    expect(s.records()).toEqual([{ id: 2, record: expect.objectContaining({ session: 's2' }) }]);
    await web.stop();
  });

  it('a subscriber that stops reading is disconnected once its next record left the backlog; a reading one is not', async () => {
    const feed = new RecordFeed({ limits: { bytes: 2 * 1024 * 1024 }, sendAhead: 64 * 1024 });
    const web = await startWeb(feed);
    const url = `http://127.0.0.1:${web.address().port}/events?t=${TOKEN}`;
    const stuck = await openEvents(url);
    const reader = await openEvents(url);
    stuck.pause();
    const text = 'x'.repeat(100 * 1024);
    // 40 MB in bursts, each a new session: far more than the loopback socket buffers and the 2 MB backlog.
    // Each 1 MB burst waits for the reader to have it all, so "a reading one" means one that keeps up, however
    // loaded the machine (CI once dropped both when a 5 ms pause was all the reader got). The predicate reads
    // the last event's id only: records() parses all 40 MB again on every poll, in the reader's own process.
    const readerHas = () => Number(reader.events.at(-1)?.id ?? 0);
    for (let burst = 0; burst < 40; burst++) {
      const before = feed.lastId;
      for (let i = 0; i < 10; i++) feed.event(proxyText(`s${burst}`, text));
      await reader.until(() => feed.lastId > before); // the feed keeps what was queued on its next turn
      const sent = feed.lastId;
      await reader.until(() => readerHas() >= sent, 20_000);
      if (feed.slowDropped > 0 && burst > 20) break;
    }
    expect(feed.slowDropped).toBe(1);
    // A socket that is not read cannot see its end: read what was already on the way, then the close.
    stuck.resume();
    expect(await stuck.ended).toBe('close');
    expect(stuck.events.some((e) => e.event === 'end')).toBe(false);
    expect(stuck.records().length).toBeLessThan(feed.lastId);
    expect(feed.subscriberCount).toBe(1);
    await reader.until(() => reader.records().at(-1)?.id === feed.lastId, 20_000);
    const ids = reader.records().map((x) => x.id);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    // The one dropped comes back with its Last-Event-ID: told that records were dropped, then the rest.
    const back = await openEvents(url, { 'Last-Event-ID': '5' });
    await back.until(() => back.records().at(-1)?.id === feed.lastId);
    expect(back.events[0]!.event).toBe('dropped');
    back.close();
    reader.close();
    await web.stop();
  }, 30_000);

  it('a burst larger than the backlog, queued in one turn, still reaches a reading subscriber whole', async () => {
    // Regression: records were offered to subscribers only after the whole batch was kept, so those the batch
    // itself pushed out of the backlog counted as missed, and every subscriber was dropped as slow.
    const feed = new RecordFeed({ limits: { records: 3 } });
    const web = await startWeb(feed);
    const s = await openEvents(`http://127.0.0.1:${web.address().port}/events?t=${TOKEN}`);
    for (let i = 1; i <= 10; i++) feed.event(phase('s1', i));
    await s.until(() => s.records().length === 10);
    expect(feed.slowDropped).toBe(0);
    expect(s.records().map((x) => x.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await web.stop();
  });

  it('sends heartbeat comments on an idle stream', async () => {
    const feed = new RecordFeed({ heartbeatMs: 30 });
    const web = await startWeb(feed);
    const s = await openEvents(`http://127.0.0.1:${web.address().port}/events?t=${TOKEN}`);
    await s.until(() => s.comments() >= 3);
    expect(s.records()).toEqual([]);
    await web.stop();
  });

  it('refuses one stream more than the limit with 503', async () => {
    const feed = new RecordFeed({ maxSubscribers: 1 });
    const web = await startWeb(feed);
    const url = `http://127.0.0.1:${web.address().port}/events?t=${TOKEN}`;
    const one = await openEvents(url);
    expect(one.status).toBe(200);
    const two = await fetchText(url);
    expect(two.status).toBe(503);
    one.close();
    await web.stop();
  });

  it('stopping sends what was queued, then the end event, and closes every stream and the server', async () => {
    const feed = new RecordFeed();
    const web = await startWeb(feed);
    const port = web.address().port;
    const s = await openEvents(`http://127.0.0.1:${port}/events?t=${TOKEN}`);
    feed.event(phase('s1', 1));
    // Queued in this very turn: stop must still deliver it before 'end'.
    const stopped = web.stop();
    expect(await s.ended).toBe('end');
    await stopped;
    expect(s.records().map((x) => x.id)).toEqual([1]);
    expect(s.events.at(-1)!.event).toBe('end');
    await expect(fetchText(`http://127.0.0.1:${port}/?t=${TOKEN}`)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });

  it('the hooks only queue: nothing is converted or sent before the relay turn is over', () => {
    let converted = 0;
    const feed = new RecordFeed({
      toRecord: (e) => {
        converted++;
        return e.type === 'phase'
          ? {
              type: 'phase',
              session: e.session,
              version: 1,
              from: null,
              to: e.to,
              at: e.at,
              reason: e.reason,
            }
          : null;
      },
    });
    feed.event(phase('s1', 1));
    feed.event({
      type: 'data',
      session: 's1',
      t: 0,
      dir: 'c2s',
      bytes: Buffer.from('x'),
    } as unknown as EngineEvent);
    expect(converted).toBe(0);
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        expect(converted).toBe(1);
        expect(feed.lastId).toBe(1);
        void feed.end(0).then(resolve);
      }),
    );
  });
});
