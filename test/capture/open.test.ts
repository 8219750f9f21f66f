/**
 * openCapture reads a file with reads queued ahead (capture/open.ts): every byte once and in order whatever the
 * size, a file that grows while read is read without a hole, and the file is closed however the reading ends.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, createWriteStream, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FILE_READ_OCTETS } from '../../src/capture/limits.js';
import { openCapture } from '../../src/capture/open.js';
import { CaptureError } from '../../src/capture/reader.js';

const dir = mkdtempSync(join(tmpdir(), 'pop3scope-open-'));
const openFiles = () => readdirSync('/proc/self/fd').length;

function bytes(n: number, seed = 7): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed + (i >> 9)) & 0xff;
  return b;
}

async function readAll(file: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of await openCapture(file)) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

describe('openCapture', () => {
  const C = FILE_READ_OCTETS;
  for (const size of [0, 1, C - 1, C, C + 1, 2 * C, 3 * C + 17, 9 * C - 5]) {
    it(`reads a file of ${size} octets whole and in order`, async () => {
      const file = join(dir, `f${size}`);
      const content = bytes(size, size);
      writeFileSync(file, content);
      const before = openFiles();
      expect((await readAll(file)).equals(content)).toBe(true);
      expect(openFiles()).toBe(before);
    });
  }

  it('reads a file that grows while it is read, without a hole, up to where it ended', async () => {
    const file = join(dir, 'growing');
    const first = bytes(C + 100, 1);
    writeFileSync(file, first);
    const parts: Buffer[] = [];
    let appended = Buffer.alloc(0);
    for await (const chunk of await openCapture(file)) {
      parts.push(Buffer.from(chunk));
      // After the short read at the end of what was there, the reads queued beyond it were made before this
      // append: they must not be used, or these octets would be skipped or read out of order.
      if (appended.length === 0 && parts.length === 2) {
        appended = bytes(3 * C, 2);
        appendFileSync(file, appended);
      }
    }
    expect(Buffer.concat(parts).equals(Buffer.concat([first, appended]))).toBe(true);
  });

  it('closes the file when the reader stops early', async () => {
    const file = join(dir, 'early');
    writeFileSync(file, bytes(10 * C));
    const before = openFiles();
    for await (const chunk of await openCapture(file)) {
      expect(chunk.length).toBe(C);
      break;
    }
    expect(openFiles()).toBe(before);
  });

  it('reads a pipe as it comes (show <(zcat capture.gz)): a pipe has no positions to read at', async () => {
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const content = bytes(3 * C + 5, 3);
    const writer = createWriteStream(fifo);
    writer.end(content);
    expect((await readAll(fifo)).equals(content)).toBe(true);
  });

  it('says in one line when the file is missing or a directory', async () => {
    await expect(openCapture(join(dir, 'nope'))).rejects.toThrow(
      new CaptureError(`cannot read ${join(dir, 'nope')}: no such file`),
    );
    await expect(openCapture(dir)).rejects.toThrow(`${dir} is a directory, not a capture file`);
  });
});
