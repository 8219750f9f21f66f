/** Benchmark clients: bulk retrieval, lock-step NOOP round trips, and many concurrent short sessions. */
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';

/**
 * How a client reaches the server: in clear, over implicit TLS (POP3S), or in clear and then STLS. The bench's
 * certificates are its own, so the client trusts whatever it is shown: it measures relaying, not verification.
 */
export type Dial = 'plain' | 'tls' | 'stls';

const TERMINATOR = Buffer.from('\r\n.\r\n');

/**
 * A minimal lock-step POP3 connection: after each command only its response arrives, so a single-line
 * response is the first line received and a multi-line one ends when the last five octets are the terminator.
 * Bodies are counted, never kept or parsed: the client must not be the bottleneck it measures.
 */
class Conn {
  private line = '';
  private tail = Buffer.alloc(0);
  private multiline = false;
  private done: ((response: string) => void) | null = null;
  private failed: ((error: Error) => void) | null = null;
  private socket!: net.Socket;
  received = 0;

  constructor(socket: net.Socket) {
    this.attach(socket);
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => this.data(c));
    socket.on('close', () => this.failed?.(new Error('connection closed mid-response')));
    socket.on('error', () => {});
  }

  /** Resolves with the greeting; listening starts before connecting, so it cannot be missed. */
  greeting!: Promise<string>;

  static async open(port: number, dial: Dial = 'plain'): Promise<Conn> {
    const socket =
      dial === 'tls'
        ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false })
        : net.connect({ host: '127.0.0.1', port });
    const conn = new Conn(socket);
    conn.greeting = conn.response(false);
    conn.greeting.catch(() => {});
    await once(socket, dial === 'tls' ? 'secureConnect' : 'connect'); // rejects on 'error'
    if (dial === 'stls') await conn.startTls();
    return conn;
  }

  /** STLS, then TLS on the same connection: from here on the clear socket is only the TLS socket's transport. */
  private async startTls(): Promise<void> {
    await this.greeting;
    await this.command('STLS');
    const clear = this.socket;
    clear.removeAllListeners('data');
    clear.removeAllListeners('close');
    const secure = tls.connect({ socket: clear, rejectUnauthorized: false });
    this.attach(secure);
    await once(secure, 'secureConnect');
  }

  private data(c: Buffer): void {
    this.received += c.length;
    if (!this.line.includes('\n')) this.line += c.subarray(0, 200).toString('latin1');
    const first = this.line.slice(0, this.line.indexOf('\n') + 1);
    if (!first) return;
    if (!this.multiline || !first.startsWith('+OK')) {
      this.finish(first);
      return;
    }
    this.tail = Buffer.concat([this.tail, c.subarray(Math.max(0, c.length - 5))]).subarray(-5);
    if (this.tail.equals(TERMINATOR)) this.finish(first);
  }

  private finish(first: string): void {
    const done = this.done;
    this.done = null;
    this.failed = null;
    this.line = '';
    this.tail = Buffer.alloc(0);
    done?.(first);
  }

  response(multiline: boolean): Promise<string> {
    this.multiline = multiline;
    return new Promise((resolve, reject) => {
      this.done = resolve;
      this.failed = reject;
      if (this.line.includes('\n')) this.data(Buffer.alloc(0));
    });
  }

  async command(line: string, multiline = false): Promise<string> {
    const pending = this.response(multiline);
    this.socket.write(`${line}\r\n`);
    const r = await pending;
    if (!r.startsWith('+OK')) throw new Error(`${line.split(' ')[0]} refused: ${r.trim()}`);
    return r;
  }

  async login(user: string, password: string): Promise<void> {
    await this.greeting;
    await this.command(`USER ${user}`);
    await this.command(`PASS ${password}`);
  }

  async quit(): Promise<void> {
    await this.command('QUIT');
    this.socket.end();
  }
}

/** Logs in and retrieves every message; returns octets received and milliseconds. */
export async function retrieveAll(
  port: number,
  user: string,
  password: string,
  dial: Dial = 'plain',
): Promise<{ bytes: number; ms: number }> {
  const started = performance.now();
  const c = await Conn.open(port, dial);
  await c.login(user, password);
  const count = Number((await c.command('STAT')).split(' ')[1]);
  for (let i = 1; i <= count; i++) await c.command(`RETR ${i}`, true);
  await c.quit();
  return { bytes: c.received, ms: performance.now() - started };
}

/** Lock-step NOOP round trips after login; returns each round trip in microseconds. */
export async function noopRoundTrips(
  port: number,
  user: string,
  password: string,
  n: number,
): Promise<number[]> {
  const c = await Conn.open(port);
  await c.login(user, password);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await c.command('NOOP');
    out.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  await c.quit();
  return out;
}

/**
 * At most this many connections wait for their greeting at once. Node listens with a backlog of 511: when
 * thousands of clients connect in the same instant the accept queue overflows, Linux drops the handshake's last
 * ACK, and the client is left ESTABLISHED on a connection the server never accepts, waiting for a greeting
 * forever (10,000 at once did exactly that). Sessions still overlap freely once greeted.
 */
const OPENING_AT_ONCE = 256;

/** A session not done in this long counts as an error instead of keeping the run waiting. */
const SESSION_LIMIT_MS = 60_000;

/**
 * `n` concurrent sessions (users u1..un): login, LIST, RETR 1, QUIT, all started at once and let through the
 * connection setup OPENING_AT_ONCE at a time. With `hold`, every session waits after its login until all have
 * logged in (or failed), so all `n` are open together. Returns errors, milliseconds, how many were open at once.
 */
export async function concurrentSessions(
  port: number,
  n: number,
  hold = false,
): Promise<{ errors: number; ms: number; peakOpen: number; firstError?: string }> {
  const started = performance.now();
  let errors = 0;
  let firstError: string | undefined;
  let opening = 0;
  let open = 0;
  let peakOpen = 0;
  const waiting: (() => void)[] = [];
  let arrived = 0;
  let allIn: () => void = () => {};
  const everyoneIn = new Promise<void>((resolve) => (allIn = resolve));
  /** A session logged in, or failed before it could: once all have, the held sessions go on. */
  const arrive = (state: { arrived: boolean }) => {
    if (state.arrived) return;
    state.arrived = true;
    if (++arrived === n) allIn();
  };
  const session = async (i: number, state: { arrived: boolean }) => {
    while (opening >= OPENING_AT_ONCE) await new Promise<void>((r) => waiting.push(r));
    opening++;
    let c: Conn;
    try {
      c = await Conn.open(port);
      await c.greeting;
    } finally {
      opening--;
      waiting.shift()?.();
    }
    peakOpen = Math.max(peakOpen, ++open);
    try {
      await c.login(`u${i + 1}`, 'bench');
      if (hold) {
        arrive(state);
        await everyoneIn;
      }
      await c.command('LIST', true);
      await c.command('RETR 1', true);
      await c.quit();
    } finally {
      open--;
    }
  };
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`not done in ${SESSION_LIMIT_MS / 1000} s`)),
          SESSION_LIMIT_MS,
        );
      });
      const state = { arrived: false };
      try {
        await Promise.race([session(i, state), late]);
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
        arrive(state);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { errors, ms: performance.now() - started, peakOpen, firstError };
}
