/**
 * The live page's records (`--web`): a RecordSource over an EventSource on the feed (web/server.ts
 * /events). Records come in order with increasing ids; a reconnect must not show one twice. The browser's own
 * reconnect (after a dropped connection) sends Last-Event-ID; when the EventSource gives up (CLOSED: the
 * server answered an error), a new one is opened after `retryMs` with `&last=ID`, which the server reads the
 * same way. Records that arrive together are handed on together (one redraw). Browser code: no Node import;
 * the EventSource is reached through `globalThis`, so the page needs no DOM typings and a test a fake.
 */
import type { JsonRecord } from '../../render/json.js';
import type { RecordSource, SourceStatus } from './config.js';

/** What the feed says besides records (web/sse.ts SSE_EVENTS). */
const DROPPED = 'dropped';
const END = 'end';

/** EventSource.readyState when the browser will not reconnect by itself. */
const CLOSED = 2;

/** The part of the browser's EventSource used here. */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: SseMessage) => void) | null;
  addEventListener(type: string, listener: (ev: SseMessage) => void): void;
  close(): void;
}

export interface SseMessage {
  readonly data: string;
  readonly lastEventId: string;
}

/** The server dropped older records from its backlog before this page got them. */
export interface DroppedNotice {
  readonly sessions: number;
  readonly records: number;
}

export interface LiveSourceOptions {
  /** How an EventSource is opened (default: the browser's). */
  readonly open?: (url: string) => EventSourceLike;
  /** Wait before opening a new EventSource once one gave up (default 2 s). */
  readonly retryMs?: number;
  /** Told when the feed says records were dropped before this page got them (the page says so). */
  readonly onDropped?: (notice: DroppedNotice) => void;
  /** Runs the hand-over of a batch later (default: the next macrotask). */
  readonly later?: (fn: () => void) => void;
}

export interface LiveSource extends RecordSource {
  /** Closes the stream for good (the page is going away). */
  stop(): void;
  /** The id of the last record handed on. */
  readonly lastId: number;
}

const DEFAULT_RETRY_MS = 2000;

function browserEventSource(url: string): EventSourceLike {
  const Ctor = (globalThis as unknown as { EventSource?: new (url: string) => EventSourceLike }).EventSource;
  if (!Ctor) throw new Error('this browser has no EventSource');
  return new Ctor(url);
}

const withLast = (url: string, last: number) =>
  last > 0 ? `${url}${url.includes('?') ? '&' : '?'}last=${last}` : url;

export function liveSource(eventsUrl: string, o: LiveSourceOptions = {}): LiveSource {
  const open = o.open ?? browserEventSource;
  const later = o.later ?? ((fn: () => void) => void setTimeout(fn, 0));
  let lastId = 0;
  let es: EventSourceLike | null = null;
  let ended = false;
  let batch: JsonRecord[] = [];
  let handOver: ((records: readonly JsonRecord[]) => void) | null = null;
  let tell: (status: SourceStatus) => void = () => {};
  let shown: SourceStatus | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;

  const status = (s: SourceStatus) => {
    if (s === shown) return;
    shown = s;
    tell(s);
  };
  const flush = () => {
    if (batch.length === 0) return;
    const records = batch;
    batch = [];
    handOver?.(records);
  };

  const connect = () => {
    retry = null;
    if (ended) return;
    const source = open(withLast(eventsUrl, lastId));
    es = source;
    source.onopen = () => status('live');
    source.onmessage = (ev) => {
      const id = Number(ev.lastEventId);
      // Already handed on (a reconnect that overlapped): never twice.
      if (Number.isFinite(id) && id > 0 && id <= lastId) return;
      let record: JsonRecord;
      try {
        record = JSON.parse(ev.data) as JsonRecord;
      } catch {
        return;
      }
      if (id > 0) lastId = id;
      if (batch.length === 0) later(flush);
      batch.push(record);
    };
    source.addEventListener(DROPPED, (ev) => {
      try {
        o.onDropped?.(JSON.parse(ev.data) as DroppedNotice);
      } catch {
        // A notice that cannot be read changes nothing shown.
      }
    });
    source.addEventListener(END, () => {
      flush();
      ended = true;
      source.close();
      status('ended');
    });
    source.onerror = () => {
      if (ended || source !== es) return;
      status('reconnecting');
      if (source.readyState === CLOSED) {
        // The browser gave up (the server answered an error): try again with what this page has.
        source.close();
        retry ??= setTimeout(connect, o.retryMs ?? DEFAULT_RETRY_MS);
      }
    };
  };

  return {
    start(onRecords, onStatus) {
      handOver = onRecords;
      tell = onStatus ?? (() => {});
      status('connecting');
      connect();
    },
    stop() {
      ended = true;
      if (retry) clearTimeout(retry);
      es?.close();
      flush();
    },
    get lastId() {
      return lastId;
    },
  };
}
