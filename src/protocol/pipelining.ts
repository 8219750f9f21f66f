/**
 * RFC 2449 §6.6: a client may pipeline once the server lists PIPELINING. A command sent while a CAPA answer
 * is still on its way is judged by that answer, when it arrives: a client that sends CAPA and USER in one
 * write to a server that lists PIPELINING did the server no harm. Flagged once per session.
 */
import { MAX_OUTSTANDING_COMMANDS } from './limits.js';
import { addViolation, type OpenTransaction } from './transaction.js';

export class PipeliningCheck {
  private flagged = false;
  /** Commands pipelined while a CAPA answer was on its way, judged when it arrives. */
  private readonly deferred: OpenTransaction[] = [];

  /** `tx` was sent while `outstanding` still waited for answers; `capabilities` are CAPA's, if any. */
  check(
    tx: OpenTransaction,
    outstanding: readonly OpenTransaction[],
    capabilities: Set<string> | null,
  ): void {
    if (this.flagged || capabilities?.has('PIPELINING')) return;
    if (outstanding.some((o) => o.spec?.verb === 'CAPA')) {
      if (this.deferred.length < MAX_OUTSTANDING_COMMANDS) this.deferred.push(tx);
      return;
    }
    this.flag(tx, capabilities ? 'CAPA did not list PIPELINING' : 'the client never asked CAPA');
  }

  /** A CAPA answer arrived: the commands pipelined while it was on its way are judged by it. */
  judge(
    capa: OpenTransaction,
    outstanding: readonly OpenTransaction[],
    capabilities: Set<string> | null,
  ): void {
    const waiting = this.deferred.splice(0).filter((tx) => tx.seq > capa.seq);
    if (waiting.length === 0 || this.flagged || capabilities?.has('PIPELINING')) return;
    const why =
      capa.response.status === '+OK'
        ? 'it was sent before the CAPA answer arrived, and CAPA did not list PIPELINING'
        : 'it was sent before the CAPA answer arrived, and CAPA was refused';
    const first = waiting.find((tx) => outstanding.includes(tx));
    if (first) this.flag(first, why);
  }

  private flag(tx: OpenTransaction, why: string): void {
    this.flagged = true;
    addViolation(
      tx,
      'POP3_PIPELINING_NOT_ADVERTISED',
      `${tx.command?.verb} was sent before earlier responses arrived; ${why}`,
    );
  }
}
