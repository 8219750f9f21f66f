/**
 * Server-Sent Events framing (the WHATWG HTML "server-sent events" format) for the web view's feed: what the
 * browser's EventSource reads. A record is one `data:` line (JSON.stringify escapes every line break, so a
 * record can never split into two lines) under the `id:` the browser sends back as Last-Event-ID.
 */

/** The event names besides the default `message` (a record). The page's liveSource listens for them. */
export const SSE_EVENTS = {
  /** Records older than the subscriber's cursor were dropped from the backlog: `{sessions, records}`. */
  dropped: 'dropped',
  /** The feed ended (pop3scope is stopping): the page shows 'ended' and does not reconnect. */
  end: 'end',
} as const;

/** One record as an event. `json` is the record already serialized (one line). */
export function recordFrame(id: number, json: string): string {
  return `id: ${id}\ndata: ${json}\n\n`;
}

/** A named event with a JSON payload (no id: it does not move the browser's Last-Event-ID). */
export function namedFrame(event: string, payload: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
}

/** The stream's first bytes: how long the browser waits before reconnecting. */
export function retryFrame(ms: number): string {
  return `retry: ${ms}\n\n`;
}

/** A comment: ignored by EventSource, it keeps an idle connection alive. */
export const HEARTBEAT_FRAME = ': keep-alive\n\n';

/** The Last-Event-ID a reconnecting browser sends (header), or the `last` query parameter (a page that built
 *  a new EventSource itself): a whole number, else null. */
export function parseLastEventId(value: string | null | undefined): number | null {
  if (value === null || value === undefined || !/^[0-9]{1,15}$/.test(value.trim())) return null;
  return Number(value.trim());
}
