/**
 * Helpers for the TLS tests: a POP3 line reader over any duplex stream that can hand its socket over to TLS
 * mid-session (STLS) while proving that no cleartext byte was left over, a private POP3SCOPE_HOME per test
 * process, and `withEnv`, which sets environment variables only for the child processes started inside it
 * (SSLKEYLOGFILE must reach the proxy alone: curl and Python would write their own keys to the same file).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { fetchmail, type RunResult } from './clients.js';
import { atExit } from './peers.js';

/** Collects what a stream receives and cuts it into POP3 lines and multi-line responses. */
export class Wire {
  private buf = Buffer.alloc(0);
  private closed = false;
  private error: Error | null = null;
  private wake: (() => void) | null = null;
  /** Resolves when the stream has closed. */
  readonly ended: Promise<void>;
  /** Every byte received so far, including those already taken. */
  private all: Buffer[] = [];
  private readonly onData = (d: Buffer) => {
    this.buf = Buffer.concat([this.buf, d]);
    this.all.push(d);
    this.wake?.();
  };

  constructor(
    readonly stream: Duplex,
    private readonly timeoutMs = 5000,
  ) {
    stream.on('data', this.onData);
    stream.on('error', (e: Error) => {
      this.error = e;
      this.wake?.();
    });
    this.ended = new Promise((resolve) =>
      stream.on('close', () => {
        this.closed = true;
        this.wake?.();
        resolve();
      }),
    );
  }

  /** Connects to 127.0.0.1:port. */
  static async connect(port: number): Promise<Wire> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new Wire(socket);
  }

  /** Everything received so far (taken or not). */
  received(): Buffer {
    return Buffer.concat(this.all);
  }

  /** Bytes received but not yet taken. */
  pending(): Buffer {
    return this.buf;
  }

  write(text: string | Buffer): void {
    this.stream.write(text);
  }

  private async take(complete: (b: Buffer) => number): Promise<string> {
    const end = Date.now() + this.timeoutMs;
    for (;;) {
      const n = complete(this.buf);
      if (n > 0) {
        const text = this.buf.subarray(0, n).toString('latin1');
        this.buf = this.buf.subarray(n);
        return text;
      }
      const got = JSON.stringify(this.buf.toString('latin1'));
      if (this.error) throw new Error(`stream error (${this.error.message}); got so far: ${got}`);
      if (this.closed) throw new Error(`stream closed; got so far: ${got}`);
      if (Date.now() > end) throw new Error(`no complete response within ${this.timeoutMs} ms; got: ${got}`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 25);
      });
      this.wake = null;
    }
  }

  /** The next line, CRLF included. */
  line(): Promise<string> {
    return this.take((b) => {
      const i = b.indexOf('\r\n');
      return i < 0 ? 0 : i + 2;
    });
  }

  /** The next multi-line response (or a one-line -ERR), terminator included. */
  multi(): Promise<string> {
    return this.take((b) => {
      if (b.subarray(0, 4).toString() === '-ERR') {
        const i = b.indexOf('\r\n');
        return i < 0 ? 0 : i + 2;
      }
      const i = b.indexOf('\r\n.\r\n');
      return i < 0 ? 0 : i + 5;
    });
  }

  /** Sends a command line and returns its (one-line or multi-line) response. */
  async cmd(line: string, multiline = false): Promise<string> {
    this.write(`${line}\r\n`);
    return multiline ? this.multi() : this.line();
  }

  /**
   * Stops reading this stream and returns the bytes received but not taken. The caller then hands
   * `stream` to TLS: whatever is returned here arrived in cleartext after the last line taken.
   */
  detach(): Buffer {
    this.stream.off('data', this.onData);
    this.stream.pause();
    const rest = this.buf;
    this.buf = Buffer.alloc(0);
    return rest;
  }

  /**
   * Client side of STLS: stops reading cleartext (throws if any unread byte is left, which would be an
   * injection reaching the client) and does TLS over the same socket, verifying against `caPem` for `servername`.
   */
  async startTls(caPem: string, servername = 'localhost'): Promise<{ wire: Wire; socket: tls.TLSSocket }> {
    const rest = this.detach();
    if (rest.length > 0)
      throw new Error(`cleartext left over before TLS: ${JSON.stringify(rest.toString('latin1'))}`);
    const socket = tls.connect({ socket: this.stream as net.Socket, ca: caPem, servername });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', () => resolve());
      socket.once('error', reject);
    });
    return { wire: new Wire(socket, this.timeoutMs), socket };
  }
}

/** A fresh private temp dir (mode 0700, as mkdtemp makes it), removed when the test process ends. */
export function privateDir(prefix = 'pop3scope-tls-'): string {
  const dir = mkdtempSync(join('/tmp', prefix));
  atExit(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A fresh private directory for POP3SCOPE_HOME. Every proxy and `pop3scope ca` child gets it, so the real
 * ~/.config/pop3scope is never read or written.
 */
export function tempHome(): string {
  return privateDir('pop3scope-home-');
}

/**
 * Runs `start` with `vars` set in process.env and restores them right after it RETURNS (not after its promise
 * settles): a child process spawned synchronously inside `start` (startProxyProcess spawns before its first
 * await) inherits them, and nothing started later does.
 */
export function withEnv<T>(vars: Record<string, string>, start: () => T): T {
  const saved = Object.keys(vars).map((k) => [k, process.env[k]] as const);
  Object.assign(process.env, vars);
  try {
    return start();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Waits until `condition()` is true (polling every 20 ms), or throws `what` after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * fetchmail 6.4 once, upgrading with STLS (sslproto tls1.2+, the certificate checked against `caFile` with
 * `sslcommonname localhost`) and logging in with `auth cram-md5` (clients.ts fetchmail()). Keeps the mail;
 * resolves with what it printed and delivered.
 */
export async function fetchmailStlsCramMd5(o: {
  port: number;
  user: string;
  password: string;
  caFile: string;
}): Promise<RunResult & { mbox: string }> {
  const r = await fetchmail({
    host: '127.0.0.1',
    ...o,
    keep: true,
    tls: { mode: 'stls', caFile: o.caFile },
    auth: 'cram-md5',
  });
  rmSync(r.workDir, { recursive: true, force: true });
  return r;
}
