/**
 * The transaction the engine is still filling in, shared by the session (which opens and completes it) and
 * the server reader (which fills in its response): a module of its own so neither imports the other for it.
 */
import type { RawTransaction } from './types.js';

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
