/**
 * The steps one server() call returns, built as bytes are decided: unchanged bytes are ranges of the input chunk
 * (a range that is the whole chunk is handed on as the chunk itself, no copy), changed bytes are collected and
 * sent as one copy, other steps (wait, close, injected, ...) end the bytes before them.
 */
import type { FaultStep } from './types.js';

const EMPTY = new Uint8Array(0);

export class Steps {
  list: FaultStep[] = [];
  private input: Uint8Array = EMPTY;
  private runStart = -1;
  private runEnd = -1;
  private buf = new Uint8Array(256);
  private bufLen = 0;

  /** Starts the steps of one input chunk. */
  begin(input: Uint8Array): void {
    this.list = [];
    this.input = input;
    this.runStart = -1;
  }

  /** Input bytes [from, to) go out unchanged. */
  pass(from: number, to: number): void {
    if (from >= to) return;
    if (this.runStart >= 0 && this.runEnd === from) {
      this.runEnd = to;
      return;
    }
    this.flush();
    this.runStart = from;
    this.runEnd = to;
  }

  /** One byte goes out unchanged: input byte `at`, or (at < 0) a byte held from an earlier chunk. */
  one(b: number, at: number): void {
    if (at >= 0) this.pass(at, at + 1);
    else this.byte(b);
  }

  /** One byte that is not a range of this input (changed, or held from an earlier chunk). */
  byte(b: number): void {
    this.flushRun();
    if (this.bufLen === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.bufLen++] = b;
  }

  /** Bytes of our own (an -ERR line, a duplicated line, noise). */
  bytes(bytes: Uint8Array): void {
    this.flush();
    if (bytes.length > 0) this.list.push({ type: 'send', bytes });
  }

  step(step: FaultStep): void {
    this.flush();
    this.list.push(step);
  }

  /** Ends the chunk: everything decided goes into the list. */
  end(): FaultStep[] {
    this.flush();
    const list = this.list;
    this.list = [];
    this.input = EMPTY;
    return list;
  }

  private flush(): void {
    this.flushRun();
    if (this.bufLen > 0) {
      this.list.push({ type: 'send', bytes: this.buf.slice(0, this.bufLen) });
      this.bufLen = 0;
      if (this.buf.length > 64 * 1024) this.buf = new Uint8Array(256);
    }
  }

  private flushRun(): void {
    if (this.runStart < 0) return;
    const whole = this.runStart === 0 && this.runEnd === this.input.length;
    this.list.push({
      type: 'send',
      bytes: whole ? this.input : this.input.subarray(this.runStart, this.runEnd),
    });
    this.runStart = -1;
  }
}
