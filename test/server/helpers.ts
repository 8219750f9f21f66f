/** Test helpers for the embedded server: a raw-socket POP3 client and a reader for sans-IO replies. */
import { connect, type Socket } from 'node:net';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { pino } from 'pino';
import { expect } from 'vitest';
import { demoUsers } from '../../src/server/demoMailbox.js';
import type { CommandLine } from '../../src/server/framer.js';
import { MemoryStore } from '../../src/server/memoryStore.js';
import type { Reply } from '../../src/server/reply.js';
import { type RunningServer, type ServerOptions, startServer } from '../../src/server/server.js';
import { Pop3Session, type SessionDeps } from '../../src/server/session.js';
import type { MailStore } from '../../src/server/store.js';

const WAIT_MS = 5_000;

/** Removes one leading dot from each body line (RFC 1939 §3) and returns the body without its terminator. */
export function unstuff(body: Buffer): Buffer {
  const text = body.toString('latin1');
  if (!text.endsWith('\r\n.\r\n') && text !== '.\r\n') throw new Error('body does not end with CRLF.CRLF');
  const lines = text.slice(0, text.length - 3).split('\r\n');
  lines.pop(); // after the last CRLF
  const out = lines.map((l) => (l.startsWith('.') ? l.slice(1) : l));
  return Buffer.from(out.length === 0 ? '' : `${out.join('\r\n')}\r\n`, 'latin1');
}

/** A POP3 client on a raw socket that reads exactly what the server sent, nothing interpreted away. */
export class RawClient {
  private data = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | undefined;
  /** When set, received bytes go here instead of being kept (for bodies too large to keep). */
  private sink: ((chunk: Buffer) => void) | undefined;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      if (this.sink) return this.sink(chunk);
      this.data = Buffer.concat([this.data, chunk]);
      this.wake?.();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.ended = true;
        this.wake?.();
        resolve();
      });
    });
    socket.on('error', () => {});
  }

  /** Connects with TLS from the first byte (implicit TLS) and waits for the handshake. */
  static async connectTls(port: number, options: ConnectionOptions): Promise<RawClient> {
    return new RawClient(await handshake(tlsConnect({ host: '127.0.0.1', port, ...options })));
  }

  /**
   * Starts TLS as a client on this connection's socket, as after STLS's +OK, and returns a client reading the
   * TLS socket. Fails when the server sent anything after the +OK that was not TLS.
   */
  async startTls(options: ConnectionOptions): Promise<RawClient> {
    if (this.data.length > 0)
      throw new Error(`cleartext bytes before TLS: ${JSON.stringify(this.data.toString('latin1'))}`);
    return new RawClient(await handshake(tlsConnect({ ...options, socket: this.socket })));
  }

  /** The TLS socket's details, for a client made by connectTls or startTls. */
  get tls(): TLSSocket {
    if (!('encrypted' in this.socket)) throw new Error('not a TLS client');
    return this.socket as TLSSocket;
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    const socket = connect({ port, host });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** Connects and reads the greeting line. */
  static async open(port: number): Promise<{ client: RawClient; greeting: string }> {
    const client = await RawClient.connect(port);
    return { client, greeting: await client.line() };
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Waits until `find` locates the end of what it wants in the received bytes, then takes it. */
  private async take(find: (data: Buffer) => number, what: string): Promise<Buffer> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const end = find(this.data);
      if (end !== -1) {
        const out = this.data.subarray(0, end);
        this.data = this.data.subarray(end);
        return out;
      }
      if (this.ended)
        throw new Error(
          `connection closed while waiting for ${what}; got ${JSON.stringify(this.data.toString('latin1').slice(0, 200))}`,
        );
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${what}; got ${JSON.stringify(this.data.toString('latin1').slice(0, 200))}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** The next line, without CRLF. */
  async line(): Promise<string> {
    const raw = await this.take((d) => {
      const i = d.indexOf('\r\n');
      return i === -1 ? -1 : i + 2;
    }, 'a line');
    return raw.subarray(0, raw.length - 2).toString('utf8');
  }

  /** The raw bytes of a multi-line body up to and including its ".CRLF" terminator. */
  async rawBody(): Promise<Buffer> {
    return this.take((d) => {
      if (d.subarray(0, 3).toString('latin1') === '.\r\n') return 3;
      const i = d.indexOf('\r\n.\r\n');
      return i === -1 ? -1 : i + 5;
    }, 'a multi-line body');
  }

  /** Reads a multi-line body without keeping it; resolves with its length on the wire, terminator included. */
  bodyLength(): Promise<number> {
    return new Promise((resolve, reject) => {
      let count = 0;
      let tail = Buffer.alloc(0);
      const consume = (chunk: Buffer) => {
        const window = Buffer.concat([tail, chunk]);
        const at = window.indexOf('\r\n.\r\n');
        if (at === -1) {
          count += chunk.length;
          tail = window.subarray(Math.max(0, window.length - 4));
          return;
        }
        const used = at + 5 - tail.length;
        this.sink = undefined;
        this.data = Buffer.from(chunk.subarray(used));
        resolve(count + used);
      };
      this.sink = consume;
      this.closed.then(() => reject(new Error('closed before the body ended')));
      const pending = this.data;
      this.data = Buffer.alloc(0);
      if (pending.length > 0) consume(pending);
    });
  }

  /** Sends a command and reads its single-line reply. */
  async command(line: string): Promise<string> {
    this.write(`${line}\r\n`);
    return this.line();
  }

  /** Sends a command expecting a multi-line reply: the status line and the unstuffed body (empty on -ERR). */
  async multi(line: string): Promise<{ status: string; body: Buffer }> {
    const status = await this.command(line);
    if (!status.startsWith('+OK')) return { status, body: Buffer.alloc(0) };
    return { status, body: unstuff(await this.rawBody()) };
  }

  /** A multi-line reply's body as lines. */
  async lines(line: string): Promise<string[]> {
    const { status, body } = await this.multi(line);
    if (!status.startsWith('+OK')) throw new Error(`${line}: ${status}`);
    const text = body.toString('utf8');
    return text === '' ? [] : text.slice(0, -2).split('\r\n');
  }

  /** Everything the server sends until it closes the connection. */
  async untilClosed(): Promise<Buffer> {
    await Promise.race([
      this.closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('server did not close')), WAIT_MS)),
    ]);
    const all = this.data;
    this.data = Buffer.alloc(0);
    return all;
  }

  /** Logs in with USER/PASS and checks the reply. */
  async login(user: string, password: string): Promise<string> {
    const u = await this.command(`USER ${user}`);
    if (!u.startsWith('+OK')) throw new Error(`USER: ${u}`);
    return this.command(`PASS ${password}`);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Resolves once the client's handshake is done; rejects with its error (e.g. an untrusted certificate). */
function handshake(socket: TLSSocket): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    socket.once('secureConnect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Feeds one line to a sans-IO session and returns its whole reply (body included) as text. */
export async function feed(session: Pop3Session, text: string): Promise<string> {
  const line: CommandLine = {
    text,
    octets: Buffer.byteLength(text) + 2,
    tooLong: Buffer.byteLength(text) + 2 > 255,
  };
  const reply = await session.handle(line);
  return reply === undefined ? '' : (await collect(reply)).toString('utf8');
}

/** All bytes of a reply. */
export async function collect(reply: Reply): Promise<Buffer> {
  const parts = [reply.head];
  if (reply.body) for await (const chunk of reply.body) parts.push(chunk);
  return Buffer.concat(parts);
}

/** Waits until `check` is true, polling; fails after a few seconds. */
export async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Base64 of a UTF-8 string, as SASL lines carry it. */
export const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** The fixed APOP timestamp and CRAM-MD5 challenge of sans-IO test sessions. */
export const TIMESTAMP = '<4242.1.1700000000000@test.example>';
export const CHALLENGE = '<123.456@test.example>';

/** A sans-IO session on the demo maildrops (or `store`), with a fixed timestamp and challenge. */
export function newSession(
  store: MailStore = new MemoryStore(demoUsers()),
  extra: Partial<Pick<SessionDeps, 'tls'>> = {},
): Pop3Session {
  return new Pop3Session({
    store,
    timestamp: TIMESTAMP,
    newChallenge: () => CHALLENGE,
    logger: pino({ level: 'silent' }),
    ...extra,
  });
}

/** A sans-IO session logged in as bob. */
export async function bobSession(store?: MailStore): Promise<Pop3Session> {
  const s = newSession(store);
  await feed(s, 'USER bob');
  expect(await feed(s, 'PASS hungry')).toMatch(/^\+OK /);
  return s;
}

/** Servers on 127.0.0.1 port 0 and raw clients, all closed by cleanup() (call it in afterEach). */
export class Harness {
  private readonly servers: RunningServer[] = [];
  private readonly clients: RawClient[] = [];

  async server(options: ServerOptions = {}): Promise<{ server: RunningServer; port: number }> {
    const s = await startServer({ host: '127.0.0.1', port: 0, ...options });
    this.servers.push(s);
    return { server: s, port: s.address().port };
  }

  /** STLS's +OK was read on `client`: the TLS client on the same connection (closed by cleanup()). */
  async startTls(client: RawClient, options: ConnectionOptions): Promise<RawClient> {
    const secure = await client.startTls(options);
    this.clients.push(secure);
    return secure;
  }

  /** Connects with implicit TLS and reads the greeting. */
  async openTls(port: number, options: ConnectionOptions): Promise<{ client: RawClient; greeting: string }> {
    const client = await RawClient.connectTls(port, options);
    this.clients.push(client);
    return { client, greeting: await client.line() };
  }

  /** Connects without reading anything. */
  async connect(port: number): Promise<RawClient> {
    const client = await RawClient.connect(port);
    this.clients.push(client);
    return client;
  }

  /** Connects and reads the greeting. */
  async open(port: number): Promise<{ client: RawClient; greeting: string }> {
    const client = await this.connect(port);
    return { client, greeting: await client.line() };
  }

  async loggedIn(port: number, user = 'bob', password = 'hungry'): Promise<RawClient> {
    const { client } = await this.open(port);
    expect(await client.login(user, password)).toMatch(/^\+OK /);
    return client;
  }

  /** Logs in, retrying while the previous session's lock is still being released after a drop. */
  async eventuallyLoggedIn(port: number, user = 'bob', password = 'hungry'): Promise<RawClient> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const { client } = await this.open(port);
      const reply = await client.login(user, password);
      if (reply.startsWith('+OK')) return client;
      expect(reply).toMatch(/^-ERR \[IN-USE\]/);
      client.destroy();
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${user} stayed locked`);
  }

  async cleanup(): Promise<void> {
    for (const c of this.clients.splice(0)) c.destroy();
    await Promise.all(this.servers.splice(0).map((s) => s.close()));
  }
}
