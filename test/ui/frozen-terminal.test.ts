/**
 * A frozen terminal must not stall the relay. pop3scope runs with the dashboard on a pseudo-terminal that
 * nobody reads (a hung terminal window, a stopped ssh): once the terminal's buffer is full, every write to it
 * would block. A client then fetches alice's messages (180 KB) through the proxy, ten times over: it must get
 * every byte, promptly, while the screen writes wait.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const PYTHON = ['/usr/bin/python3', 'python3'].find(
  (p) => spawnSync(p, ['-c', 'import pty'], { stdio: 'ignore' }).status === 0,
);

// Runs argv on a fresh pty (120x40) and never reads its master; prints the bytes left unread when told to stop.
const FROZEN_PTY = `
import fcntl, os, signal, struct, subprocess, sys, termios, time
master, slave = os.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))
env = dict(os.environ, TERM='xterm-256color', NCURSES_NO_UTF8_ACS='1')
child = subprocess.Popen(sys.argv[1:], stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
def stop(*_):
    n = fcntl.ioctl(master, termios.FIONREAD, b'\\0\\0\\0\\0')
    print('unread', struct.unpack('I', n)[0], flush=True)
    os.killpg(child.pid, signal.SIGKILL)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
while True:
    time.sleep(1)
`;

async function connect(port: number, timeoutMs: number): Promise<net.Socket> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
        s.once('error', reject);
      });
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** A lock-step client: sends a command, reads to the end of its response. */
function client(socket: net.Socket) {
  let buffer = Buffer.alloc(0);
  let wake: (() => void) | null = null;
  socket.on('data', (c) => {
    buffer = Buffer.concat([buffer, c]);
    wake?.();
  });
  const until = async (end: (b: Buffer) => number) => {
    for (;;) {
      const at = end(buffer);
      if (at >= 0) {
        const out = buffer.subarray(0, at);
        buffer = buffer.subarray(at);
        return out;
      }
      await new Promise<void>((r) => (wake = r));
    }
  };
  const line = (b: Buffer) => (b.indexOf('\r\n') < 0 ? -1 : b.indexOf('\r\n') + 2);
  const body = (b: Buffer) => {
    if (!b.subarray(0, 3).equals(Buffer.from('+OK'))) return line(b);
    const i = b.indexOf('\r\n.\r\n');
    return i < 0 ? -1 : i + 5;
  };
  return {
    greeting: () => until(line),
    send: async (cmd: string, multi = false) => {
      socket.write(`${cmd}\r\n`);
      return until(multi ? body : line);
    },
  };
}

describe.skipIf(!PYTHON)('a frozen terminal', () => {
  let pty: ChildProcess | null = null;
  afterEach(async () => {
    // SIGTERM: the wrapper kills pop3scope's process group, even when the test failed half-way.
    const child = pty;
    pty = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    child.kill('SIGKILL');
  });

  it("does not stall relaying: 10 × alice's 180 KB maildrop through the proxy while the screen cannot be written", {
    timeout: 90_000,
  }, async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const child = spawn(
      PYTHON!,
      [
        '-c',
        FROZEN_PTY,
        process.execPath,
        '--import',
        'tsx',
        'src/cli/main.ts',
        'demo',
        '--ui',
        '--port',
        String(port),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    pty = child;
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    const socket = await connect(port, 30_000);
    const c = client(socket);
    expect((await c.greeting()).toString()).toMatch(/^\+OK/);
    await c.send('USER alice');
    expect((await c.send('PASS wonderland')).toString()).toMatch(/^\+OK/);
    const started = Date.now();
    let octets = 0;
    const fetchAll = async () => {
      for (let round = 0; round < 10; round++) {
        for (const n of [1, 2, 3]) octets += (await c.send(`RETR ${n}`, true)).length;
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the relay stalled: ${octets} octets in 30 s`)), 30_000);
    });
    await Promise.race([fetchAll(), stalled]).finally(() => clearTimeout(timer));
    const elapsed = Date.now() - started;
    await c.send('QUIT');
    socket.destroy();
    expect(octets).toBeGreaterThan(10 * 180_000);
    expect(elapsed).toBeLessThan(15_000);
    // The terminal really was full: the dashboard's frames sat unread in it.
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    const unread = Number(/unread (\d+)/.exec(out)?.[1] ?? 0);
    expect(unread).toBeGreaterThan(1000);
  });
});
