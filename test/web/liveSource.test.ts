/**
 * web/page/liveSource.ts against a fake EventSource (the real one runs in the live browser test): batches,
 * statuses, no record twice across reconnects, a new EventSource with &last= once the browser gave up, the
 * dropped notice, the end.
 */
import { describe, expect, it } from 'vitest';
import type { JsonRecord } from '../../src/render/json.js';
import type { SourceStatus } from '../../src/web/page/config.js';
import { type EventSourceLike, liveSource, type SseMessage } from '../../src/web/page/liveSource.js';

class FakeEventSource implements EventSourceLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: SseMessage) => void) | null = null;
  closed = false;
  private readonly listeners = new Map<string, ((ev: SseMessage) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(type: string, fn: (ev: SseMessage) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  // What the server does:
  opened(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  record(id: number, session = 's1'): void {
    const r = {
      type: 'phase',
      session,
      version: 1,
      from: null,
      to: 'AUTHORIZATION',
      at: id,
      reason: `r${id}`,
    };
    this.onmessage?.({ data: JSON.stringify(r), lastEventId: String(id) });
  }
  named(type: string, data: unknown): void {
    for (const fn of this.listeners.get(type) ?? []) fn({ data: JSON.stringify(data), lastEventId: '' });
  }
  failed(state: 0 | 2): void {
    this.readyState = state;
    this.onerror?.({});
  }
}

function harness(retryMs = 5) {
  const opened: FakeEventSource[] = [];
  const tasks: (() => void)[] = [];
  const batches: number[][] = [];
  const statuses: SourceStatus[] = [];
  const dropped: unknown[] = [];
  const source = liveSource('events?t=abc', {
    open: (url) => {
      const es = new FakeEventSource(url);
      opened.push(es);
      return es;
    },
    retryMs,
    later: (fn) => void tasks.push(fn),
    onDropped: (d) => dropped.push(d),
  });
  source.start(
    (records: readonly JsonRecord[]) => batches.push(records.map((r) => (r as { at: number }).at)),
    (s) => statuses.push(s),
  );
  const runLater = () => {
    for (const t of tasks.splice(0)) t();
  };
  return { source, opened, batches, statuses, dropped, runLater, es: () => opened.at(-1)! };
}

describe('web/page/liveSource: the live page over EventSource', () => {
  it('connects to the events URL, says connecting then live, hands records on in batches, in order', () => {
    const h = harness();
    expect(h.opened.map((e) => e.url)).toEqual(['events?t=abc']);
    expect(h.statuses).toEqual(['connecting']);
    h.es().opened();
    h.es().record(1);
    h.es().record(2);
    expect(h.batches).toEqual([]);
    h.runLater();
    h.es().record(3);
    h.runLater();
    expect(h.batches).toEqual([[1, 2], [3]]);
    expect(h.statuses).toEqual(['connecting', 'live']);
    expect(h.source.lastId).toBe(3);
  });

  it("the browser's own reconnect: reconnecting, then live, and a record sent again is not shown twice", () => {
    const h = harness();
    h.es().opened();
    h.es().record(1);
    h.es().record(2);
    h.es().failed(0);
    expect(h.statuses.at(-1)).toBe('reconnecting');
    expect(h.opened).toHaveLength(1);
    h.es().opened();
    h.es().record(2);
    h.es().record(3);
    h.runLater();
    expect(h.batches.flat()).toEqual([1, 2, 3]);
    expect(h.statuses).toEqual(['connecting', 'live', 'reconnecting', 'live']);
  });

  it('once the browser gave up (CLOSED), opens a new EventSource with &last= after retryMs', async () => {
    const h = harness(5);
    h.es().opened();
    h.es().record(1);
    h.es().record(7);
    const first = h.es();
    first.failed(2);
    expect(first.closed).toBe(true);
    await new Promise((r) => setTimeout(r, 30));
    expect(h.opened.map((e) => e.url)).toEqual(['events?t=abc', 'events?t=abc&last=7']);
    h.es().opened();
    h.es().record(8);
    h.runLater();
    expect(h.batches.flat()).toEqual([1, 7, 8]);
  });

  it('passes the dropped notice on, and ends for good on the end event (no reconnect after)', async () => {
    const h = harness(5);
    h.es().opened();
    h.es().named('dropped', { sessions: 3, records: 40 });
    expect(h.dropped).toEqual([{ sessions: 3, records: 40 }]);
    h.es().record(1);
    h.es().named('end', {});
    // The end hands on what came before it at once.
    expect(h.batches).toEqual([[1]]);
    expect(h.statuses.at(-1)).toBe('ended');
    expect(h.es().closed).toBe(true);
    h.es().failed(2);
    await new Promise((r) => setTimeout(r, 30));
    expect(h.opened).toHaveLength(1);
    expect(h.statuses.at(-1)).toBe('ended');
  });

  it('stop closes the stream and cancels a pending retry', async () => {
    const h = harness(5);
    h.es().failed(2);
    h.source.stop();
    await new Promise((r) => setTimeout(r, 30));
    expect(h.opened).toHaveLength(1);
  });
});
