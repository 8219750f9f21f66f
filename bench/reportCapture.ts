/**
 * A generated capture of many short POP3 sessions (bench/report.ts, test/cli/report tests): each logs in,
 * lists, retrieves message 1 (`bodyOctets` long) and quits; every third deletes it, every seventh answers
 * a RETR with -ERR. Written as a stream, so 10,000 sessions cost no memory.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

export interface ReportCaptureOptions {
  readonly sessions: number;
  /** Octets of message 1's body (default 400). */
  readonly bodyOctets?: number;
}

const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);

/**
 * A capture file being generated: its header written, records written one per line at the disk's pace (each
 * write waits for a drain when the stream is behind), `end` resolving once the file is closed. Every bench
 * capture is written through it (here, and bench/run.ts's big RETR).
 */
export function captureStream(
  file: string,
  t: number,
): {
  write: (record: object) => Promise<void>;
  end: () => Promise<void>;
} {
  const out = createWriteStream(file);
  const write = async (r: object) => {
    if (!out.write(`${JSON.stringify(r)}\n`)) await once(out, 'drain');
  };
  out.write(
    `${JSON.stringify({ type: 'header', format: 'pop3scope-capture', version: 1, createdAt: new Date(t).toISOString(), tool: 'pop3scope bench' })}\n`,
  );
  return {
    write,
    end: async () => {
      out.end();
      await once(out, 'close');
    },
  };
}

export async function writeSessionsCapture(file: string, o: ReportCaptureOptions): Promise<void> {
  const { write, end } = captureStream(file, T0);
  const line = `${'x'.repeat(70)}\r\n`;
  const octets = o.bodyOctets ?? 400;
  const body = `Subject: bench\r\n\r\n${line.repeat(Math.max(0, Math.ceil((octets - 18) / line.length)))}`;
  for (let i = 0; i < o.sessions; i++) {
    const session = `s${i + 1}`;
    let t = T0 + i * 1000;
    const data = async (dir: 'c2s' | 's2c', text: string) => {
      t += 5;
      await write({ type: 'data', session, t, dir, text });
    };
    await write({
      type: 'open',
      session,
      t,
      client: `127.0.0.1:${20000 + (i % 40000)}`,
      upstream: '127.0.0.1:110',
      tls: 'none',
    });
    await data('s2c', '+OK ready\r\n');
    await data('c2s', `USER user${i % 500}\r\n`);
    await data('s2c', '+OK\r\n');
    await data('c2s', 'PASS ******\r\n');
    await data('s2c', '+OK logged in\r\n');
    await data('c2s', 'LIST\r\n');
    await data('s2c', `+OK 1 message\r\n1 ${body.length}\r\n.\r\n`);
    await data('c2s', 'RETR 1\r\n');
    if (i % 7 === 6) await data('s2c', '-ERR no such message\r\n');
    else await data('s2c', `+OK ${body.length} octets\r\n${body}.\r\n`);
    if (i % 3 === 0) {
      await data('c2s', 'DELE 1\r\n');
      await data('s2c', '+OK deleted\r\n');
    }
    await data('c2s', 'QUIT\r\n');
    await data('s2c', '+OK bye\r\n');
    await write({ type: 'close', session, t: t + 1, by: 'server', reason: 'bench' });
  }
  await end();
}

/**
 * One session whose RETR answer is `mib` MiB long, in 64 KiB data records (a capture the size of a big
 * mailbox download): the report must stay within bounded memory and cut the body to a head.
 */
export async function writeBigRetrCapture(file: string, mib: number): Promise<void> {
  const t = T0;
  const { write, end } = captureStream(file, t);
  const session = 's1';
  await write({ type: 'open', session, t, client: '127.0.0.1:1', upstream: '127.0.0.1:110', tls: 'none' });
  for (const text of ['+OK\r\n', 'USER bob\r\n', '+OK\r\n', 'PASS ******\r\n', '+OK\r\n', 'RETR 1\r\n'])
    await write({ type: 'data', session, t, dir: text.startsWith('+') ? 's2c' : 'c2s', text });
  const octets = mib * 1024 * 1024;
  await write({ type: 'data', session, t, dir: 's2c', text: `+OK ${octets} octets\r\n` });
  const chunk = `${'y'.repeat(78)}\r\n`.repeat(65536 / 80);
  for (let sent = 0; sent < octets; sent += chunk.length)
    await write({ type: 'data', session, t, dir: 's2c', text: chunk });
  await write({ type: 'data', session, t, dir: 's2c', text: '.\r\n' });
  await write({ type: 'data', session, t, dir: 'c2s', text: 'QUIT\r\n' });
  await write({ type: 'data', session, t, dir: 's2c', text: '+OK bye\r\n' });
  await write({ type: 'close', session, t, by: 'server', reason: 'bench' });
  await end();
}
