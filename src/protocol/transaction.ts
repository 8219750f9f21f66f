/**
 * The transaction the engine is still filling in, shared by the session (which opens and completes it), the
 * client and server readers and the SASL exchange: a module of its own so none of them imports another for it.
 * Also the violations every one of them adds to it, bounded.
 */
import { counted } from '../words.js';
import { MAX_RESPONSE_LINE, MAX_VIOLATIONS_PER_TRANSACTION } from './limits.js';
import type { Line } from './lineBuffer.js';
import type { RawTransaction, ResponseInfo } from './types.js';
import { type ViolationCode, violation } from './violations.js';

/** A transaction whose response has not ended yet. */
export interface OpenTransaction extends RawTransaction {
  /** For AUTH: the decoded text of the last challenge, so LOGIN can tell "Password:" from "Username:". */
  saslChallenge: string;
  saslClientSteps: number;
}

/** True when STLS got +OK and the server side must now wait for TLS. */
export function stlsAccepted(tx: OpenTransaction): boolean {
  return tx.command?.verb === 'STLS' && tx.response.status === '+OK';
}

/** A response not begun yet; `at` is when it began, when that is already known (a greeting). */
export function awaitedResponse(at: number | null): ResponseInfo {
  return {
    status: null,
    code: null,
    text: '',
    multiline: false,
    bodyOctets: 0,
    bodyLines: 0,
    complete: false,
    at,
  };
}

/** Adds a violation to a transaction, once per code and message. */
export function addViolation(tx: RawTransaction, code: ViolationCode, detail?: string): void {
  const list = tx.violations;
  const v = violation(code, detail);
  // Bounded: a peer repeating one mistake a million times must not grow memory.
  if (
    list.length < MAX_VIOLATIONS_PER_TRANSACTION &&
    !list.some((x) => x.code === v.code && x.message === v.message)
  )
    list.push(v);
}

/** The line-level violations of a line: its ending, bare CRs, overflow, and a server line's length. */
export function lineViolations(tx: RawTransaction, line: Line, who: 'client' | 'server'): void {
  if (line.ending === 'LF')
    addViolation(tx, 'POP3_BARE_LINE_ENDING', `the ${who} ended a line with a bare LF`);
  if (line.ending === 'none')
    addViolation(tx, 'POP3_BARE_LINE_ENDING', `the ${who}'s last line had no line ending`);
  if (line.bareCR > 0)
    addViolation(
      tx,
      'POP3_BARE_LINE_ENDING',
      `the ${who} sent ${counted(line.bareCR, 'bare CR')} inside a line`,
    );
  if (line.overflow) addViolation(tx, 'POP3_LINE_OVERFLOW', `${line.octets} octets in one line`);
  if (who === 'server' && line.octets > MAX_RESPONSE_LINE)
    addViolation(tx, 'POP3_RESPONSE_TOO_LONG', `${line.octets} octets`);
}
