/**
 * What recording must cost on this machine whatever the proxy does, beside figure 1b's capture row: making
 * the data records' lines (capture/dataLine.ts, the relay's path) and writing them to a file on the bench's
 * disk (the writer's own writeAll, 1 MiB at a time as CaptureWriter flushes). Both are measured in this
 * process, which does nothing else, as CPU of the whole process (libuv's file writes run on its thread pool,
 * the kernel's copy into the page cache is system time) per MB of mail. Run as a child so that its heap and
 * CPU are its own:
 *   node --import tsx bench/captureFloor.ts FILE MIB TURNS    prints {"encodeMsPerMB":…,"writeMsPerMB":…}
 */
import { open, rm } from 'node:fs/promises';
import { cpuUsage } from 'node:process';
import { dataLine } from '../src/capture/dataLine.js';
import { FLUSH_AT_BYTES, writeAll } from '../src/capture/writer.js';
import { makeMessage } from './messages.js';
import { median } from './stats.js';

/** Node's socket reads: the chunks a relay hands the writer are this size when mail flows fast. */
const CHUNK = 64 * 1024;

const [file = '', mib = '100', turns = '3'] = process.argv.slice(2);
const mail = makeMessage(Number(mib) * 1024 * 1024);
const megabytes = mail.length / 1e6;
const cpuMs = () => {
  const { user, system } = cpuUsage();
  return (user + system) / 1000;
};

const encode: number[] = [];
const write: number[] = [];
for (let turn = -1; turn < Number(turns); turn++) {
  const handle = await open(file, 'w', 0o600);
  let encoded = 0;
  let written = 0;
  // As the writer does: lines made as chunks arrive, written once FLUSH_AT_BYTES wait, then dropped.
  for (let at = 0; at < mail.length; ) {
    let c = cpuMs();
    const lines: Buffer[] = [];
    let size = 0;
    for (; at < mail.length && size < FLUSH_AT_BYTES; at += CHUNK) {
      const line = dataLine('s1', turn, 's2c', mail.subarray(at, at + CHUNK));
      lines.push(line);
      size += line.length;
    }
    encoded += cpuMs() - c;
    c = cpuMs();
    await writeAll(handle, lines, size);
    written += cpuMs() - c;
  }
  await handle.close();
  await rm(file, { force: true });
  if (turn < 0) continue; // the warm-up
  encode.push(encoded / megabytes);
  write.push(written / megabytes);
}
process.stdout.write(`${JSON.stringify({ encodeMsPerMB: median(encode), writeMsPerMB: median(write) })}\n`);
