/**
 * A raw Server-Sent Events client over node:http for the web view's tests: what each request got (status,
 * headers), and the stream parsed into events as the browser's EventSource would (id, event, data), kept as
 * they come. Comments (heartbeats) are counted.
 *
 *   const s = await openEvents(`http://127.0.0.1:${port}/events?t=${token}`);
 *   await s.until(() => s.records().length >= 3);
 *   s.close();
 */
import { type IncomingMessage, request } from 'node:http';

export interface SseEvent {
  readonly id: string | null;
  readonly event: string;
  readonly data: string;
}

export interface EventStream {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly events: SseEvent[];
  /** The default (`message`) events' data parsed as JSON, with their ids. */
  records(): { id: number; record: { type: string; session: string } & Record<string, unknown> }[];
  comments(): number;
  /** Everything received, as text. */
  text(): string;
  readonly ended: Promise<'end' | 'close'>;
  until(what: () => boolean, ms?: number): Promise<void>;
  close(): void;
  /** Stops reading from the socket (a browser that does not keep up); resume() reads again. */
  pause(): void;
  resume(): void;
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** One plain request; the body read whole. */
export function fetchText(
  url: string,
  o: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (t: string) => (body += t));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export function openEvents(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { headers: { Accept: 'text/event-stream', ...headers }, agent: false },
      (res) => {
        const events: SseEvent[] = [];
        let raw = '';
        let buffer = '';
        let comments = 0;
        let endResolve: (how: 'end' | 'close') => void = () => {};
        const ended = new Promise<'end' | 'close'>((r) => (endResolve = r));
        res.setEncoding('utf8');
        res.on('data', (t: string) => {
          raw += t;
          buffer += t;
          let cut = buffer.indexOf('\n\n');
          while (cut >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let id: string | null = null;
            let event = 'message';
            const data: string[] = [];
            let any = false;
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments++;
              else if (line.startsWith('id: ')) id = line.slice(4);
              else if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) {
                data.push(line.slice(6));
                any = true;
              }
            }
            if (any) events.push({ id, event, data: data.join('\n') });
            cut = buffer.indexOf('\n\n');
          }
        });
        res.on('end', () => endResolve('end'));
        res.on('close', () => endResolve('close'));
        res.on('error', () => endResolve('close'));
        // A paused response never says 'close': its socket does.
        res.socket.on('close', () => endResolve('close'));
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          events,
          records: () =>
            events
              .filter((e) => e.event === 'message')
              .map((e) => ({ id: Number(e.id), record: JSON.parse(e.data) })),
          comments: () => comments,
          text: () => raw,
          ended,
          async until(what, ms = 10_000) {
            const end = Date.now() + ms;
            while (!what()) {
              if (Date.now() > end) throw new Error(`timed out; received:\n${raw.slice(-3000)}`);
              await new Promise((r) => setTimeout(r, 10));
            }
          },
          close: () => req.destroy(),
          pause: () => res.pause(),
          resume: () => res.resume(),
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
