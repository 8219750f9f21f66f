/**
 * One lock-step POP3 connection of the demo's built-in clients: send a command, read its whole response (a
 * status line, or a status line and a dot-terminated body). Bob's machines can each dial from a loopback address
 * of their own, so the dashboard's CLIENT column and the transcript tell them apart.
 */
import net from 'node:net';

/** A whole response: its status line and, for a multi-line +OK, the body lines (still dot-stuffed). */
export interface Response {
  readonly status: string;
  readonly body: readonly string[];
  readonly ok: boolean;
}

/** Reads whole responses from a socket: a status line, or a status line and a dot-terminated body. */
class ResponseReader {
  private buffer = '';
  private waiting: (() => void) | null = null;
  private closed = false;

  constructor(socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      this.buffer += text;
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  async next(multiline: boolean): Promise<string> {
    for (;;) {
      const end = this.endOf(multiline);
      if (end !== -1) {
        const response = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        return response;
      }
      if (this.closed) throw new Error('the server closed the connection before answering');
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
      this.waiting = null;
    }
  }

  private endOf(multiline: boolean): number {
    const line = this.buffer.indexOf('\r\n');
    if (line === -1) return -1;
    if (!multiline || !this.buffer.startsWith('+OK')) return line + 2;
    if (this.buffer.slice(line + 2).startsWith('.\r\n')) return line + 5;
    const end = this.buffer.indexOf('\r\n.\r\n', line);
    return end === -1 ? -1 : end + 5;
  }
}

function parse(raw: string): Response {
  const lines = raw.split('\r\n');
  // A multi-line response ends "\r\n.\r\n": drop the terminator and the empty string after it.
  const body = lines.length > 2 ? lines.slice(1, -2) : [];
  return { status: lines[0]!, body, ok: raw.startsWith('+OK') };
}

async function dial(host: string, port: number, localAddress?: string): Promise<net.Socket> {
  const socket = net.connect({ host, port, ...(localAddress ? { localAddress } : {}) });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

export class Pop3Connection {
  private constructor(
    private readonly socket: net.Socket,
    private readonly reader: ResponseReader,
    /** The greeting's status line. */
    readonly greeting: string,
    /** The local address the connection really came from. */
    readonly from: string,
  ) {}

  /**
   * Connects and reads the greeting. `localAddress` (127.0.0.2, ...) is tried first; where the system has no
   * such address (macOS has only 127.0.0.1 by default: EADDRNOTAVAIL) the connection comes from the default one.
   */
  static async open(host: string, port: number, localAddress?: string): Promise<Pop3Connection> {
    let socket: net.Socket;
    try {
      socket = await dial(host, port, localAddress);
    } catch (error) {
      if (!localAddress) throw error;
      socket = await dial(host, port);
    }
    const reader = new ResponseReader(socket);
    try {
      const greeting = parse(await reader.next(false)).status;
      return new Pop3Connection(socket, reader, greeting, socket.localAddress ?? '?');
    } catch (error) {
      socket.destroy();
      throw error;
    }
  }

  async command(line: string, multiline: boolean): Promise<Response> {
    this.socket.write(`${line}\r\n`);
    return parse(await this.reader.next(multiline));
  }

  /** Ends the connection politely (after QUIT, or on an error). */
  end(): void {
    this.socket.end();
  }

  /** Drops the connection without QUIT, as a laptop losing its network would: the server sees it just end. */
  drop(): void {
    this.socket.destroy();
  }
}
