/**
 * A file that appears whole or not at all (`report -o FILE`, `export --pcapng OUT`): written to a temporary
 * name beside it and renamed at the end; on an error the temporary file is removed and an existing FILE stays
 * as it was. It is opened at once, so an unwritable place is one line before any capture is read; a write
 * error (a full disk) is kept and reported, one line, at the next write or at the end.
 */
import { once } from 'node:events';
import { createWriteStream, openSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { CliError } from './errors.js';

export interface AtomicFileOptions {
  /** The temporary file's path (beside the target, so the rename stays on one file system). */
  readonly temp: string;
  readonly mode: number;
  /** Refuse a temporary file that exists already (`wx`) rather than truncate it. */
  readonly exclusive?: boolean;
}

export class AtomicFile {
  private readonly stream: WriteStream;
  private failure: Error | null = null;

  constructor(
    private readonly path: string,
    private readonly o: AtomicFileOptions,
  ) {
    let fd: number;
    try {
      fd = openSync(o.temp, o.exclusive ? 'wx' : 'w', o.mode);
    } catch (error) {
      throw new CliError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    this.stream = createWriteStream('', { fd });
    this.stream.on('error', (error) => {
      this.failure = error;
    });
  }

  /** Waits while the disk is behind; throws the first write error as one line. */
  async write(chunk: string | Uint8Array): Promise<void> {
    this.check();
    if (!this.stream.write(chunk))
      await new Promise<void>((resolve) => {
        // Either ends the wait; both listeners go, so a long file does not pile them up.
        const done = () => {
          this.stream.off('drain', done).off('error', done);
          resolve();
        };
        this.stream.once('drain', done).once('error', done);
      });
    this.check();
  }

  /** Closes the file and gives it its name. */
  async finish(): Promise<void> {
    this.stream.end();
    await Promise.race([once(this.stream, 'close'), once(this.stream, 'error')]).catch(() => {});
    this.check();
    try {
      renameSync(this.o.temp, this.path);
    } catch (error) {
      rmSync(this.o.temp, { force: true });
      throw new CliError(
        `cannot write ${this.path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
  }

  /** Something went wrong: nothing half-written is left behind, an existing FILE stays as it was. */
  abandon(): void {
    this.stream.destroy();
    rmSync(this.o.temp, { force: true });
  }

  private check(): void {
    if (!this.failure) {
      return;
    }
    const code = (this.failure as NodeJS.ErrnoException).code;
    throw new CliError(`cannot write ${this.path}: ${code ?? this.failure.message}`);
  }
}
