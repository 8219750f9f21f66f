/** Benchmark clients: bulk retrieval, lock-step NOOP round trips, and many concurrent short sessions. */
import net from 'node:net';

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
  received = 0;

  constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => this.data(c));
    socket.on('close', () => this.failed?.(new Error('connection closed mid-response')));
    socket.on('error', () => {});
  }

  /** Resolves with the greeting; listening starts before connecting, so it cannot be missed. */
  greeting!: Promise<string>;

  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      const conn = new Conn(socket);
      conn.greeting = conn.response(false);
      conn.greeting.catch(() => {});
      socket.once('connect', () => resolve(conn));
      socket.once('error', reject);
    });
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
): Promise<{ bytes: number; ms: number }> {
  const started = performance.now();
  const c = await Conn.open(port);
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

/** `n` concurrent sessions (users u1..un): login, LIST, RETR 1, QUIT. Returns errors and milliseconds. */
export async function concurrentSessions(
  port: number,
  n: number,
): Promise<{ errors: number; ms: number; firstError?: string }> {
  const started = performance.now();
  let errors = 0;
  let firstError: string | undefined;
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      try {
        const c = await Conn.open(port);
        await c.login(`u${i + 1}`, 'bench');
        await c.command('LIST', true);
        await c.command('RETR 1', true);
        await c.quit();
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
      }
    }),
  );
  return { errors, ms: performance.now() - started, firstError };
}
