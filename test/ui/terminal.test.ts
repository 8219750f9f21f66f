/**
 * The terminal writer: a terminal that takes nothing (a frozen window, a stopped ssh) must not stop the event
 * loop — Node's own TTY writes would. A FIFO nobody reads stands in for the frozen terminal: its fd blocks
 * like a TTY's once its buffer is full.
 */
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, mkdtempSync, openSync, read, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { captureStrayOutput, localeIsUtf8, TerminalOutput } from '../../src/ui/terminal.js';

const fakeTty = () => Object.assign(new EventEmitter(), { columns: 100, rows: 30 });

describe('TerminalOutput', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });

  it('keeps the event loop running while the terminal takes nothing, and says it is busy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pop3scope-fifo-'));
    const fifo = join(dir, 'tty');
    execFileSync('mkfifo', [fifo]);
    // O_RDWR: the open does not wait for a reader, and the write end blocks when the pipe is full.
    const fd = openSync(fifo, 'r+');
    const out = new TerminalOutput(fd, fakeTty() as never);
    cleanup.push(() => {
      out.close();
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    });
    const frame = Buffer.alloc(256 * 1024, 'x'); // four times a pipe's buffer
    out.write(frame);
    out.write(frame);
    const started = Date.now();
    let ticks = 0;
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (++ticks === 10) {
          clearInterval(t);
          resolve();
        }
      }, 5);
    });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(out.busy).toBe(true);
    // The terminal wakes up and reads: the writer goes on by itself. (Reads run in the thread pool too, so the
    // event loop stays free to hand the writer its next chunk.)
    const buf = Buffer.alloc(1 << 20);
    let got = 0;
    while (got < 2 * frame.length)
      got += await new Promise<number>((resolve, reject) =>
        read(fd, buf, 0, buf.length, null, (e, n) => (e ? reject(e) : resolve(n))),
      );
    await out.drained(2000);
    expect(out.busy).toBe(false);
    expect(out.bytesWritten).toBe(2 * frame.length);
  });

  it('reports the size of the terminal and forwards its resize events', () => {
    const tty = fakeTty();
    const out = new TerminalOutput(1, tty as never);
    let resized = 0;
    out.on('resize', () => resized++);
    tty.columns = 80;
    tty.emit('resize');
    expect([out.columns, out.rows, resized]).toEqual([80, 30, 1]);
    out.close();
    tty.emit('resize');
    expect(resized).toBe(1);
  });
});

describe('captureStrayOutput', () => {
  it('keeps other writers off the screen, line by line, and gives stdout/stderr back', () => {
    const seen: string[] = [];
    const before = process.stderr.write;
    const restore = captureStrayOutput((t) => seen.push(t));
    try {
      process.stderr.write('pop3scope: capture write failed\n(half');
      process.stderr.write(' a line)\n\x1b[31mred\x1b[0m\n');
      process.stdout.write('from stdout\n');
    } finally {
      restore();
    }
    expect(seen).toEqual(['pop3scope: capture write failed', '(half a line)', 'red', 'from stdout']);
    expect(process.stderr.write).toBe(before);
  });
});

describe('localeIsUtf8 (Unicode box drawing whatever TERM says)', () => {
  it('follows POSIX precedence: LC_ALL, then LC_CTYPE, then LANG', () => {
    expect(localeIsUtf8({ LANG: 'C.UTF-8' })).toBe(true);
    expect(localeIsUtf8({ LANG: 'en_US.utf8' })).toBe(true);
    expect(localeIsUtf8({ LANG: 'C', LC_CTYPE: 'en_US.UTF-8' })).toBe(true);
    expect(localeIsUtf8({ LANG: 'en_US.UTF-8', LC_ALL: 'C' })).toBe(false);
    expect(localeIsUtf8({ LANG: 'en_US.UTF-8', LC_CTYPE: 'POSIX' })).toBe(false);
    expect(localeIsUtf8({ LANG: '', LC_ALL: '' })).toBe(false);
    expect(localeIsUtf8({})).toBe(false);
  });
});
