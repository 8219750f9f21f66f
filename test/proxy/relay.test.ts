/** The relay with fake sockets: bytes pass untouched and in order, backpressure pauses the sender, FIN is passed on. */
import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { pipeSide, type Side } from '../../src/proxy/relay.js';

/** A fake socket: what is written to it is collected; what it "receives" is pushed by the test. */
class FakeSocket extends Duplex {
  readonly written: Buffer[] = [];
  constructor(private readonly accept: (chunk: Buffer) => boolean = () => true) {
    super({ allowHalfOpen: true, highWaterMark: 16 });
  }
  _read(): void {}
  _write(chunk: Buffer, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.written.push(chunk);
    if (this.accept(chunk)) done();
    else this.pendingDone = done;
  }
  pendingDone: ((error?: Error | null) => void) | null = null;
  release(): void {
    const done = this.pendingDone;
    this.pendingDone = null;
    done?.();
  }
}

const noop = { inspect: () => {}, ended: () => {} };

describe('relay', () => {
  it('forwards every chunk exactly, in order, before inspecting it', async () => {
    const from = new FakeSocket();
    const to = new FakeSocket();
    const order: string[] = [];
    pipeSide('upstream', from, to, {
      inspect: (side: Side, chunk: Buffer) => {
        // By the time inspection sees a chunk, it was already handed to the other side.
        expect(Buffer.concat(to.written).toString('latin1').endsWith(chunk.toString('latin1'))).toBe(true);
        order.push(`${side}:${chunk.length}`);
      },
      ended: () => {},
    });
    const chunks = [
      Buffer.from('+OK hi\r\n'),
      Buffer.from([0, 255, 13, 10, 10, 13]),
      Buffer.alloc(100_000, 0x41),
      Buffer.from('no line ending'),
    ];
    for (const c of chunks) from.push(c);
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(to.written).equals(Buffer.concat(chunks))).toBe(true);
    expect(order).toEqual(chunks.map((c) => `upstream:${c.length}`));
  });

  it('pauses the sender while the receiver is full and resumes on drain', async () => {
    const from = new FakeSocket();
    const to = new FakeSocket(() => false);
    pipeSide('client', from, to, noop);
    from.push(Buffer.alloc(64, 1));
    await new Promise((r) => setImmediate(r));
    expect(from.isPaused()).toBe(true);
    to.release();
    await new Promise((r) => setImmediate(r));
    expect(from.isPaused()).toBe(false);
  });

  it('pauses the sender while a sink reports pressure, resumes when it settles, never after a stop', async () => {
    const from = new FakeSocket();
    const to = new FakeSocket();
    let release!: () => void;
    let asked = 0;
    const stop = pipeSide('client', from, to, {
      ...noop,
      pressure: () => {
        asked++;
        return asked === 1 ? new Promise<void>((r) => (release = r)) : null;
      },
    });
    from.push(Buffer.from('RETR 1\r\n'));
    await new Promise((r) => setImmediate(r));
    expect(from.isPaused()).toBe(true);
    from.push(Buffer.from('QUIT\r\n'));
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(to.written).toString()).toBe('RETR 1\r\n'); // nothing more while held
    release();
    await new Promise((r) => setImmediate(r));
    expect(from.isPaused()).toBe(false);
    expect(Buffer.concat(to.written).toString()).toBe('RETR 1\r\nQUIT\r\n');
    // Held again, then stopped (STLS takes the sockets over): settling must not resume the socket.
    asked = 0;
    from.push(Buffer.from('STLS\r\n'));
    await new Promise((r) => setImmediate(r));
    expect(from.isPaused()).toBe(true);
    stop();
    release();
    await new Promise((r) => setImmediate(r));
    expect(from.isPaused()).toBe(true);
  });

  it('passes a half-close on and reports who ended first', async () => {
    const from = new FakeSocket();
    const to = new PassThrough();
    const ended: Side[] = [];
    pipeSide('client', from, to, { inspect: () => {}, ended: (s) => ended.push(s) });
    from.push(Buffer.from('QUIT\r\n'));
    from.push(null);
    to.resume();
    await new Promise((r) => to.on('finish', r));
    expect(to.writableEnded).toBe(true);
    expect(ended).toEqual(['client']);
  });
});
