/** Writing to stdout with backpressure, so a huge transcript piped into a slow reader stays bounded in memory. */
import type { Writable } from 'node:stream';

export class Output {
  constructor(private readonly stream: Writable = process.stdout) {}

  get isTTY(): boolean {
    return Boolean((this.stream as { isTTY?: boolean }).isTTY);
  }

  /** Writes lines; resolves at once unless the stream asks to wait. */
  async lines(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    if (!this.stream.write(`${lines.join('\n')}\n`)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done);
          this.stream.off('close', done);
          resolve();
        };
        this.stream.once('drain', done);
        this.stream.once('close', done);
      });
    }
  }
}
