/**
 * The web view's HTTP server (`--web`, node:http): `GET /?t=TOKEN` the live page, `GET /events?t=TOKEN` the
 * feed as Server-Sent Events. Everything else is refused before anything is read: a Host that does not name
 * this server (DNS rebinding, host.ts), a method other than GET/HEAD (405), another path (404), a missing or
 * wrong token (403, compared in constant time). Every answer says no-store (the token is in the URL),
 * nosniff, no-referrer, and a CSP that lets the page run only its own inline script and talk only to here.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { formatHostPort } from '../hostPort.js';
import { type BoundAddress, listen } from '../listen.js';
import type { RecordFeed } from './feed.js';
import { hostAllowed } from './host.js';
import { MAX_CONNECTIONS, STOP_GRACE_MS } from './limits.js';
import type { PageConfig } from './page/config.js';
import { parseLastEventId } from './sse.js';
import { newToken, tokenMatches } from './token.js';

export interface WebServerOptions {
  readonly host: string;
  readonly port: number;
  readonly feed: RecordFeed;
  /** The live page's HTML for this config (web/html.ts), built once at start. */
  readonly page: (config: PageConfig) => string;
  readonly title: string;
  /** replay --web: the page's step controls. */
  readonly steps?: boolean;
  /** A fixed token (tests); default a new random one. */
  readonly token?: string;
}

/** Headers on every answer. */
const COMMON_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
} as const;

/** The CSP of refusals: nothing may run or load. */
const NOTHING = "default-src 'none'; frame-ancestors 'none'";

/**
 * The page's CSP: its inline scripts by hash (so an injected one could not run), inline styles (the SVG's
 * style attributes), data: images, connections to this origin only (the event stream), no frames, no forms.
 * `meta`: the report file's own policy in a <meta> element (web/html.ts): it connects nowhere, and leaves
 * out frame-ancestors, which a <meta> policy may not carry (the browser would log an error for it).
 */
export function pageCsp(html: string, where: 'header' | 'meta' = 'header'): string {
  const hashes = inlineScripts(html).map(
    (code) => `'sha256-${createHash('sha256').update(code, 'utf8').digest('base64')}'`,
  );
  return [
    "default-src 'none'",
    `script-src ${hashes.length > 0 ? hashes.join(' ') : "'none'"}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    where === 'header' ? "connect-src 'self'" : "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    ...(where === 'header' ? ["frame-ancestors 'none'"] : []),
  ].join('; ');
}

/** The bodies of the page's executable inline scripts (a JSON data block is not one: CSP ignores it). */
export function inlineScripts(html: string): string[] {
  const found: string[] = [];
  const re = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    const attrs = m[1] ?? '';
    if (/\bsrc\s*=/i.test(attrs)) continue;
    const type = /\btype\s*=\s*["']?([^"'\s>]+)/i.exec(attrs)?.[1]?.toLowerCase();
    if (type === undefined || type === 'module' || type.includes('javascript')) found.push(m[2] ?? '');
  }
  return found;
}

function refusal(
  res: ServerResponse,
  head: boolean,
  status: number,
  text: string,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'Content-Security-Policy': NOTHING,
    'Content-Type': 'text/plain; charset=utf-8',
    ...extra,
  });
  res.end(head ? undefined : `${text}\n`);
}

export class WebServer {
  private readonly sockets = new Set<Socket>();
  private readonly html: string;
  private readonly csp: string;
  private stopping: Promise<void> | null = null;

  private constructor(
    private readonly server: Server,
    private readonly o: WebServerOptions,
    readonly token: string,
    private readonly bound: BoundAddress,
  ) {
    const config: PageConfig = {
      mode: 'live',
      title: o.title,
      eventsUrl: `events?t=${token}`,
      ...(o.steps ? { steps: true } : {}),
    };
    this.html = o.page(config);
    this.csp = pageCsp(this.html);
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.answer(req, res));
  }

  /** Listens (the OS's error if it cannot: EADDRINUSE…) and builds the page. */
  static async start(o: WebServerOptions): Promise<WebServer> {
    const server = createServer();
    server.maxConnections = MAX_CONNECTIONS;
    // Streams stay open for hours: no request timeout once the request itself has come.
    server.requestTimeout = 10_000;
    server.headersTimeout = 10_000;
    const bound = await listen(server, o.host, o.port);
    return new WebServer(server, o, o.token ?? newToken(), bound);
  }

  address(): BoundAddress {
    return this.bound;
  }

  /** The page's URL, token included: what the start line prints. */
  url(): string {
    const where = formatHostPort(this.bound.host === '::' ? '::1' : this.bound.host, this.bound.port);
    const shown = this.bound.host === '0.0.0.0' ? formatHostPort('127.0.0.1', this.bound.port) : where;
    return `http://${shown}/?t=${this.token}`;
  }

  /** Ends the streams (the page shows 'ended'), then closes the server and its sockets. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      await this.o.feed.end(STOP_GRACE_MS);
      this.server.closeIdleConnections();
      const late = setTimeout(() => {
        for (const s of this.sockets) s.destroy();
      }, STOP_GRACE_MS);
      await closed;
      clearTimeout(late);
    })();
    return this.stopping;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const head = req.method === 'HEAD';
    const refused = this.refusalFor(req);
    if (refused) refusal(res, head, refused.status, refused.text, refused.extra);
    else if (new URL(req.url ?? '/', 'http://web.invalid').pathname === '/') this.page(res, head);
    else this.events(req, res, head);
  }

  /** Why a request is refused, checked in this order, or null when it may have the page or the feed. */
  private refusalFor(
    req: IncomingMessage,
  ): { status: number; text: string; extra?: Record<string, string> } | null {
    if (!hostAllowed(req.headers.host, this.o.host, this.bound.port))
      return { status: 403, text: 'pop3scope: this Host is not the address the web view listens on' };
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return { status: 405, text: 'pop3scope: only GET and HEAD', extra: { Allow: 'GET, HEAD' } };
    const url = new URL(req.url ?? '/', 'http://web.invalid');
    if (url.pathname !== '/' && url.pathname !== '/events')
      return { status: 404, text: 'pop3scope: not found' };
    if (!tokenMatches(url.searchParams.get('t'), this.token))
      return {
        status: 403,
        text: 'pop3scope: this URL needs the token pop3scope printed when it started (?t=…)',
      };
    if (url.pathname === '/events' && this.stopping) return { status: 503, text: 'pop3scope: stopping' };
    if (url.pathname === '/events' && this.o.feed.subscriberCount >= this.o.feed.maxSubscribers)
      return { status: 503, text: 'pop3scope: too many web views are open', extra: { 'Retry-After': '5' } };
    return null;
  }

  private page(res: ServerResponse, head: boolean): void {
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'Content-Security-Policy': this.csp,
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(this.html)),
    });
    res.end(head ? undefined : this.html);
  }

  private events(req: IncomingMessage, res: ServerResponse, head: boolean): void {
    const headers = {
      ...COMMON_HEADERS,
      'Content-Security-Policy': NOTHING,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    };
    if (head) {
      res.writeHead(200, headers);
      res.end();
      return;
    }
    // The browser's own reconnect sends Last-Event-ID; a page that opened a new EventSource says ?last=.
    const header = req.headers['last-event-id'];
    const query = new URL(req.url ?? '/', 'http://web.invalid').searchParams.get('last');
    const last = parseLastEventId(typeof header === 'string' ? header : query);
    res.writeHead(200, headers);
    req.socket.setNoDelay(true);
    req.socket.setKeepAlive(true, 30_000);
    this.o.feed.subscribe(res, last);
  }
}
