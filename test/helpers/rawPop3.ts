/**
 * Plain POP3 on a raw socket for the proxy tests: a lock-step client (rawPop3), a login that reads STAT, a
 * client that vanishes after DELE, and a TCP link that delays every chunk (delayLink).
 */
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

export interface RawPop3 {
  readonly socket: Socket;
  /** The greeting line, without CRLF. */
  readonly greeting: string;
  /** Sends one command line (CRLF added) and resolves with its whole response, CRLFs included. */
  cmd(line: string, multiline?: boolean): Promise<string>;
  /** Sends QUIT (or the given spelling of it), waits for the answer and for the server to close. */
  quit(line?: string): Promise<string>;
  /** Destroys the socket without QUIT, as a crashing client would. */
  destroy(): void;
}

/**
 * A minimal POP3 client that sends exactly the lines it is given, one at a time (waiting for each response),
 * so a test controls the case and the spelling of every command (e.g. the seed's lower-case dialogue) and can
 * vanish before QUIT. Needs no peer.
 */
export async function rawPop3(port: number, host = '127.0.0.1', timeoutMs = 10_000): Promise<RawPop3> {
  const socket = connect({ host, port });
  let buf = Buffer.alloc(0);
  let closed = false;
  let wake: (() => void) | undefined;
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    wake?.();
  });
  socket.on('error', () => {});
  const closedP = new Promise<void>((r) =>
    socket.on('close', () => {
      closed = true;
      wake?.();
      r();
    }),
  );
  /** Waits until `complete(buf)` returns the length of a whole response, and cuts it off. */
  const take = async (complete: (b: Buffer) => number): Promise<string> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const n = complete(buf);
      if (n > 0) {
        const text = buf.subarray(0, n).toString('latin1');
        buf = buf.subarray(n);
        return text;
      }
      if (closed) throw new Error(`connection closed; got so far: ${JSON.stringify(buf.toString('latin1'))}`);
      if (Date.now() > end)
        throw new Error(`no complete response; got: ${JSON.stringify(buf.toString('latin1'))}`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
      wake = undefined;
    }
  };
  const line = (b: Buffer) => {
    const i = b.indexOf('\r\n');
    return i < 0 ? 0 : i + 2;
  };
  const multi = (b: Buffer) => {
    if (b.length >= 4 && b.subarray(0, 4).toString() === '-ERR') return line(b);
    if (b.subarray(0, 5).toString() === '.\r\n') return 0;
    const i = b.indexOf('\r\n.\r\n');
    return i < 0 ? 0 : i + 5;
  };
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const greeting = (await take(line)).replace(/\r\n$/, '');
  return {
    socket,
    greeting,
    cmd(l, multiline = false) {
      socket.write(`${l}\r\n`);
      return take(multiline ? multi : line);
    },
    async quit(l = 'QUIT') {
      socket.write(`${l}\r\n`);
      const answer = await take(line);
      await closedP;
      return answer;
    },
    destroy: () => socket.destroy(),
  };
}

/** STAT of a maildrop, straight at the server (no proxy): `'+OK 2 1410'` style text without CRLF. */
export async function statOf(port: number, user: string, password: string): Promise<string> {
  const c = await rawPop3(port);
  try {
    await c.cmd(`USER ${user}`);
    const pass = await c.cmd(`PASS ${password}`);
    if (!pass.startsWith('+OK')) throw new Error(`login failed: ${pass}`);
    const stat = (await c.cmd('STAT')).trim();
    await c.quit();
    return stat;
  } finally {
    c.destroy();
  }
}

/** A client that logs in, marks message 1 for deletion and vanishes without QUIT (RFC 1939 §6: no UPDATE). */
export async function vanishAfterDele(port: number, user: string, password: string): Promise<string[]> {
  const c = await rawPop3(port);
  const answers = [await c.cmd(`USER ${user}`), await c.cmd(`PASS ${password}`), await c.cmd('DELE 1')];
  c.destroy();
  return answers;
}

// ----- a slow link -----

export interface DelayLink {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A byte-transparent TCP relay to 127.0.0.1:`targetPort` that delivers the SERVER's bytes `delayMs` late, as a
 * link with a real round-trip time would. Put it between the proxy and the server to see a pipelining client
 * (mpop) actually pipeline on the wire: on loopback, the client's Nagle algorithm holds its second command until
 * the first is acknowledged, and that acknowledgement rides on the server's answer, so the commands reach the
 * proxy one answer apart. With a delay above the ~40 ms delayed-ACK time, the ACK comes alone and the second
 * command arrives while the first is still unanswered. Order, content and half-closes are preserved.
 */
export async function delayLink(targetPort: number, delayMs: number): Promise<DelayLink> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort, allowHalfOpen: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    const later = (f: () => void) => setTimeout(f, delayMs);
    client.on('data', (d: Buffer) => upstream.write(d));
    client.on('end', () => upstream.end());
    client.on('error', () => upstream.destroy());
    client.on('close', () => later(() => upstream.destroy()));
    upstream.on('data', (d: Buffer) => later(() => client.write(d)));
    upstream.on('end', () => later(() => client.end()));
    upstream.on('error', () => later(() => client.destroy()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
