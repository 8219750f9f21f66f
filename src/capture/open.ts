/** Opening a capture named on a command line: "-" is stdin; anything unreadable is one CaptureError line. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { CaptureError } from './reader.js';

export async function openCapture(file: string): Promise<Readable> {
  if (file === '-') return process.stdin;
  let directory: boolean;
  try {
    directory = (await stat(file)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CaptureError(
      `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`,
    );
  }
  if (directory) throw new CaptureError(`${file} is a directory, not a capture file`);
  return createReadStream(file);
}
