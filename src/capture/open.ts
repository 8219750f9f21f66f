/** Opening a capture named on a command line: "-" is stdin; anything unreadable is one CaptureError line. */
import { close, createReadStream, open, read, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { FILE_READ_OCTETS, FILE_READS_AHEAD } from './limits.js';
import { CaptureError } from './reader.js';

export async function openCapture(file: string): Promise<AsyncIterable<Buffer>> {
  if (file === '-') return process.stdin;
  let kind: Stats;
  try {
    kind = await stat(file);
  } catch (error) {
    throw unreadable(file, error);
  }
  if (kind.isDirectory()) throw new CaptureError(`${file} is a directory, not a capture file`);
  // A pipe (`show <(zcat capture.gz)`) or a device has no positions to read at: read it as it comes.
  if (!kind.isFile()) return createReadStream(file);
  const fd = await new Promise<number>((resolve, reject) =>
    open(file, 'r', (error, fd) => (error ? reject(unreadable(file, error)) : resolve(fd))),
  );
  return fileChunks(fd, file);
}

function unreadable(file: string, error: unknown): CaptureError {
  const code = (error as NodeJS.ErrnoException).code;
  return new CaptureError(
    `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`,
  );
}

/** One chunk read at `position`: the bytes there, fewer at the end of the file, none past it. */
function readAt(fd: number, position: number, file: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.allocUnsafeSlow(FILE_READ_OCTETS);
    read(fd, chunk, 0, FILE_READ_OCTETS, position, (error, n) =>
      error
        ? reject(unreadable(file, error))
        : resolve(n === FILE_READ_OCTETS ? chunk : chunk.subarray(0, n)),
    );
  });
}

/**
 * The file's bytes in order, FILE_READS_AHEAD reads queued ahead of the one being used. A short read is where
 * the file ended when it was read: the reads queued beyond it are dropped unused (a file another process
 * appends to could have grown under them, leaving a hole) and reading goes on from there, one read at a time,
 * until a read finds nothing — as a read stream does. The file is closed however the reading ends.
 */
async function* fileChunks(fd: number, file: string): AsyncGenerator<Buffer> {
  const queued: Promise<Buffer>[] = [];
  // Reads dropped unused; still awaited before the file is closed, so none is left running on a closed fd.
  const stale: Promise<Buffer>[] = [];
  let position = 0;
  let ahead = FILE_READS_AHEAD;
  try {
    for (;;) {
      while (queued.length < ahead) {
        const next = readAt(fd, position, file);
        // Handled now: a read that fails while an earlier one is awaited must not be an unhandled rejection.
        next.catch(() => {});
        queued.push(next);
        position += FILE_READ_OCTETS;
      }
      const chunk = await queued.shift()!;
      if (chunk.length === 0) return;
      if (chunk.length < FILE_READ_OCTETS) {
        position -= FILE_READ_OCTETS * (queued.length + 1) - chunk.length;
        stale.push(...queued.splice(0));
        ahead = 1;
      }
      yield chunk;
    }
  } finally {
    await Promise.allSettled([...queued, ...stale]);
    await new Promise((resolve) => close(fd, resolve));
  }
}
