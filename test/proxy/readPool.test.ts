/**
 * The server's bytes read into buffers used again (src/proxy/readPool.ts): a buffer is read into again only once
 * its write is done, so a slow client gets every byte exactly; a quiet session keeps one small buffer, a body
 * moves to large ones (larger still when a read fills one) and lets them go when it ends; what arrives before the relay is kept; at most READ_BUFFERS
 * large ones, beyond that a read gets a buffer of its own; handed over (STLS), chunks are copies.
 */
import net from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BULK_READ_OCTETS,
  FLOOD_READ_OCTETS,
  QUIET_READ_OCTETS,
  READ_BUFFER_OCTETS,
  READ_BUFFERS,
} from '../../src/proxy/limits.js';
import { ReadPool } from '../../src/proxy/readPool.js';
import { pipeSide } from '../../src/proxy/relay.js';
import { prng } from '../helpers/prng.js';
import { writeInPieces } from '../helpers/proxyHarness.js';

/** The buffer each pool's next read goes into, chosen as net does: at the start, then right after each read. */
const nextBuffer = new WeakMap<ReadPool, Buffer>();
const generate = (pool: ReadPool) => (pool.onread.buffer as () => Buffer)();

/** A read of `bytes` arriving (what net does with `onread`); returns the buffer it went into. */
function read(pool: ReadPool, bytes: Buffer): Buffer {
  const buffer = nextBuffer.get(pool) ?? generate(pool);
  bytes.copy(buffer);
  pool.onread.callback(bytes.length, buffer);
  nextBuffer.set(pool, generate(pool));
  return buffer;
}

/** A writable whose writes complete only when the test says so. */
class HeldWritable extends Writable {
  private readonly dones: (() => void)[] = [];
  constructor() {
    super({ highWaterMark: 1 << 30 });
  }
  override _write(_chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.dones.push(done);
  }
  complete(): void {
    this.dones.shift()?.();
  }
}

/** A pool whose chunks are written, as the relay writes them, to a writable that takes each at once. */
function relayingAtOnce(): ReadPool {
  const pool = new ReadPool();
  const sink = new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });
  pool.attach((chunk) => pool.write(sink, chunk));
  return pool;
}

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

describe('ReadPool', () => {
  it('reads a quiet session into one small buffer, again and again while each write went out at once', () => {
    const pool = relayingAtOnce();
    const used = new Set<Buffer>();
    for (let i = 0; i < 20; i++) used.add(read(pool, Buffer.from(`+OK answer ${i}\r\n`)));
    expect(used.size).toBe(1);
    expect([...used][0]!.length).toBe(QUIET_READ_OCTETS);
    expect(pool.heldOctets).toBe(0);
  });

  it('a read that fills the small buffer moves to the large ones; a short one with nothing queued lets them go', () => {
    const pool = relayingAtOnce();
    // A body begins: the small buffer is filled, more is waiting.
    read(pool, Buffer.alloc(QUIET_READ_OCTETS, 0x41));
    const large = read(pool, Buffer.alloc(READ_BUFFER_OCTETS - 1, 0x42));
    expect(large.length).toBe(READ_BUFFER_OCTETS);
    // Partial reads of a body keep the large buffer, the same one while the writes go out at once.
    expect(read(pool, Buffer.alloc(BULK_READ_OCTETS, 0x43)) === large).toBe(true);
    expect(pool.heldOctets).toBe(READ_BUFFER_OCTETS);
    // The body's end, short, and nothing queued: the session is quiet again and keeps no 64 KiB.
    read(pool, Buffer.from('.\r\n'));
    expect(pool.heldOctets).toBe(0);
    expect(read(pool, Buffer.from('+OK\r\n')).length).toBe(QUIET_READ_OCTETS);
  });

  it('a read that fills a large buffer moves to larger ones until the body ends; the next body starts small', () => {
    const pool = relayingAtOnce();
    read(pool, Buffer.alloc(QUIET_READ_OCTETS, 0x41));
    // A fast server: the 64 KiB read comes back full, so the reads after it take FLOOD_READ_OCTETS at a time.
    expect(read(pool, Buffer.alloc(READ_BUFFER_OCTETS, 0x42)).length).toBe(READ_BUFFER_OCTETS);
    const flood = read(pool, Buffer.alloc(FLOOD_READ_OCTETS, 0x43));
    expect(flood.length).toBe(FLOOD_READ_OCTETS);
    expect(read(pool, Buffer.alloc(BULK_READ_OCTETS, 0x44)) === flood).toBe(true);
    expect(pool.heldOctets).toBe(FLOOD_READ_OCTETS);
    // The body's end lets them go; the next body starts again from the quiet buffer and 64 KiB ones.
    read(pool, Buffer.from('.\r\n'));
    expect(pool.heldOctets).toBe(0);
    read(pool, Buffer.alloc(QUIET_READ_OCTETS, 0x45));
    expect(read(pool, Buffer.alloc(100, 0x46)).length).toBe(READ_BUFFER_OCTETS);
  });

  it('never reads into a buffer whose write is still queued; past READ_BUFFERS a read gets its own', async () => {
    const pool = new ReadPool();
    const out = new HeldWritable();
    const written: string[] = [];
    pool.attach((chunk) => {
      written.push(chunk.toString('latin1'));
      pool.write(out, chunk);
    });
    const buffers: Buffer[] = [];
    for (let i = 0; i < READ_BUFFERS + 2; i++) buffers.push(read(pool, Buffer.from(`read ${i}`)));
    // Every write is queued: each read went into a different buffer, none of them overwritten.
    expect(new Set(buffers).size).toBe(buffers.length);
    expect(buffers.map((b, i) => b.subarray(0, `read ${i}`.length).toString('latin1'))).toEqual(
      buffers.map((_, i) => `read ${i}`),
    );
    // Once the first write is done its buffer is free again: the read after next goes there (the next one's
    // buffer was chosen when the last read came, with every buffer busy).
    out.complete();
    await new Promise((r) => setImmediate(r));
    const own = read(pool, Buffer.from('again'));
    expect(buffers.includes(own)).toBe(false);
    expect(read(pool, Buffer.from('and again')) === buffers[0]).toBe(true);
    expect(written).toEqual([...buffers.map((_, i) => `read ${i}`), 'again', 'and again']);
  });

  it('keeps a copy of what arrives before anyone relays, pauses, and hands it over first', () => {
    const pool = new ReadPool();
    const buffer = (pool.onread.buffer as () => Buffer)();
    Buffer.from('+OK early\r\n').copy(buffer);
    expect(pool.onread.callback(11, buffer)).toBe(false);
    buffer.fill(0x7e);
    const got: string[] = [];
    pool.attach((chunk) => got.push(chunk.toString('latin1')));
    read(pool, Buffer.from('+OK later\r\n'));
    expect(got).toEqual(['+OK early\r\n', '+OK later\r\n']);
  });

  it('handed over, each chunk is emitted as a copy, as a socket without the pool would', () => {
    const pool = new ReadPool();
    const socket = new PassThrough();
    const got: Buffer[] = [];
    socket.on('data', (d: Buffer) => got.push(d));
    pool.handOver(socket);
    const first = read(pool, Buffer.from('\x16\x03\x01 hello'));
    first.fill(0);
    read(pool, Buffer.from('\x17\x03\x03 data'));
    expect(got.map((b) => b.toString('latin1'))).toEqual(['\x16\x03\x01 hello', '\x17\x03\x03 data']);
  });

  it('relays a large stream exactly to a client that reads in fits and starts', async () => {
    const random = prng(18);
    const sent = Buffer.alloc(12 * 1024 * 1024);
    for (let i = 0; i < sent.length; i++) sent[i] = Math.floor(random() * 256);
    // The server writes it in small odd pieces, a turn of the event loop apart: the relay reads them one by one,
    // and writes below the client socket's high-water mark stay queued without pausing the relay.
    const server = net.createServer((s) => writeInPieces(s, sent, random, 12_000, () => s.end()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => server.close());
    const port = (server.address() as net.AddressInfo).port;
    // The relay: a listener whose accepted socket is the client side, the server read through the pool.
    const relay = net.createServer((client) => {
      const pool = new ReadPool();
      const queuedAfterWrite = { count: 0 };
      const write = pool.write.bind(pool);
      pool.write = (to, chunk) => {
        const ok = write(to, chunk);
        if (to.writableLength > 0) queuedAfterWrite.count++;
        return ok;
      };
      stats.queued = queuedAfterWrite;
      const upstream = net.connect({ host: '127.0.0.1', port, onread: pool.onread });
      upstream.once('connect', () =>
        pipeSide(
          'upstream',
          upstream,
          client,
          {
            inspect: (_from, chunk) => inspected.push(Buffer.from(chunk)),
            ended: () => {},
          },
          pool,
        ),
      );
    });
    const stats: { queued?: { count: number } } = {};
    const inspected: Buffer[] = [];
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    closers.push(() => relay.close());
    const client = net.connect({ host: '127.0.0.1', port: (relay.address() as net.AddressInfo).port });
    const received: Buffer[] = [];
    let stalls = 0;
    client.on('data', (d: Buffer) => {
      received.push(d);
      // Now and then it stops reading long enough for the kernel's buffers to fill and the relay's writes to queue.
      if (stalls < 4 && received.length % 50 === 1) {
        stalls++;
        client.pause();
        setTimeout(() => client.resume(), 250);
      }
    });
    await new Promise((r) => client.on('end', r));
    client.destroy();
    expect(Buffer.concat(received).equals(sent)).toBe(true);
    expect(Buffer.concat(inspected).equals(sent)).toBe(true);
    // The case this test is for happened: writes stayed queued while the server was read on.
    expect(stats.queued?.count ?? 0).toBeGreaterThan(0);
  }, 30_000);
});
