/**
 * The pcapng sink (`proxy --pcapng FILE`): each proxied session written live as a TCP conversation of its
 * masked bytes, for Wireshark (render/pcapng.ts). An existing pcapng file is appended to as a new section
 * (pcapng allows many; Wireshark reads them all); a file that is something else is refused. Writes queue in
 * the stream and the relay pauses while the file is behind, as with --capture; a write error is reported
 * once and the mail keeps flowing.
 */
import { once } from 'node:events';
import { closeSync, createWriteStream, openSync, readSync, statSync, type WriteStream } from 'node:fs';
import type { EngineEvent } from '../../analysis/types.js';
import type { ProxySink, SessionStart } from '../../events.js';
import { PcapngExport } from '../../render/pcapng.js';
import { PCAPNG_SLOW_DOWN_AT } from '../limits.js';

const PCAPNG_MAGIC = 0x0a0d0d0a;

/** Why `path` cannot be appended to, or null (absent, empty, or a pcapng file). */
export function pcapngRefusal(path: string): string | null {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return null;
  }
  if (size === 0) return null;
  const head = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  return head.readUInt32BE(0) === PCAPNG_MAGIC
    ? null
    : `${path} exists and is not a pcapng file; refusing to append to it`;
}

export function pcapngSink(path: string, onError: (message: string) => void): ProxySink {
  const refusal = pcapngRefusal(path);
  if (refusal) throw new Error(refusal);
  let fd: number;
  try {
    fd = openSync(path, 'a', 0o600);
  } catch (error) {
    throw new Error(`cannot open ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const stream: WriteStream = createWriteStream('', { fd });
  const pcapng = new PcapngExport(null);
  let failed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (failed) return;
    failed = true;
    onError(`cannot write ${path}: ${error.code ?? error.message}`);
  });
  const write = (blocks: readonly Uint8Array[]) => {
    if (failed) return;
    for (const b of blocks) stream.write(b);
  };
  write([pcapng.header()]);
  return {
    open: (s: SessionStart) => write(pcapng.start(s)),
    event: (e: EngineEvent) => write(pcapng.event(e)),
    pressure: () =>
      !failed && stream.writableLength > PCAPNG_SLOW_DOWN_AT
        ? Promise.race([once(stream, 'drain'), once(stream, 'error')]).then(() => {})
        : null,
    stop: async () => {
      if (failed) return;
      stream.end();
      await Promise.race([once(stream, 'close'), once(stream, 'error')]).catch(() => {});
    },
  };
}
