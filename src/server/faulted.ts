/**
 * The embedded server's replies under `serve --fault`: each write goes through the session's injector, whose
 * steps are carried out in order — send, wait, close, stall — so the server itself misbehaves where a rule says.
 * A stalled connection swallows every later reply and stays open (the idle timeout still ends it).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultStep, Injector } from '../faults/types.js';

export interface FaultedSocket {
  /** Writes and waits while the socket's buffer is full; false once it is closed. */
  write(bytes: Uint8Array): Promise<boolean>;
  close(rst: boolean): void;
  injected(step: Extract<FaultStep, { type: 'injected' }>): void;
}

export class FaultedWrites {
  private done = false;
  /** A tls-fail step came: the STLS handshake that follows must fail. */
  tlsFailed = false;

  constructor(
    private readonly injector: Injector,
    private readonly socket: FaultedSocket,
  ) {}

  /** False once the connection is closed (or a close was injected); a stall reports true and sends nothing. */
  async write(bytes: Uint8Array): Promise<boolean> {
    if (this.done) return true;
    for (const step of this.injector.server(bytes)) {
      switch (step.type) {
        case 'send':
          if (!(await this.socket.write(step.bytes))) return false;
          break;
        case 'wait':
          await sleep(step.ms);
          break;
        case 'close':
          this.done = true;
          this.socket.close(step.rst);
          return false;
        case 'stall':
          this.done = true;
          return true;
        case 'tls-fail':
          this.tlsFailed = true;
          break;
        case 'injected':
          this.socket.injected(step);
          break;
      }
    }
    return true;
  }
}
