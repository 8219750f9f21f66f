/**
 * One AUTH exchange (RFC 5034) as the engine follows it: the steps of both sides, decoded for display with
 * their secrets masked (clientLines.ts), and the outcome once the server answers. Functions on the open
 * transaction, so the session and both readers share them without knowing each other.
 */
import { maskSaslChallenge, showSaslChallenge, showSaslResponse } from './clientLines.js';
import { MAX_SASL_STEPS } from './limits.js';
import type { Status } from './response.js';
import { addViolation, type OpenTransaction } from './transaction.js';

/** The exchange of this transaction, when it is still waiting for the server's final answer. */
export function saslOpen(tx: OpenTransaction | undefined): boolean {
  return tx?.sasl !== undefined && tx.sasl.outcome === null;
}

/** AUTH with a mechanism opens an exchange; an initial response is its first client step. */
export function openSasl(tx: OpenTransaction, rawArgs: readonly string[], t: number): void {
  tx.sasl = { mechanism: rawArgs[0]!.toUpperCase(), steps: [], outcome: null };
  if (rawArgs.length > 1) saslClientStep(tx, Buffer.from(rawArgs[1]!, 'latin1'), t);
}

/** A client response inside the exchange, already masked. */
export function saslClientStep(tx: OpenTransaction, masked: Buffer, t: number): void {
  const sasl = tx.sasl!;
  const step = { index: tx.saslClientSteps++, challenge: tx.saslChallenge };
  const shown = showSaslResponse(masked, sasl.mechanism, step);
  if (shown.badBase64) addViolation(tx, 'POP3_SASL_BAD_BASE64', 'client response');
  if (shown.user !== undefined && sasl.user === undefined) sasl.user = shown.user;
  if (shown.layer !== undefined) sasl.layer = shown.layer;
  recordSaslStep(tx, 'client', shown.text, t);
}

/** A server challenge inside AUTH: masked in place when the mechanism needs it, decoded for display. */
export function serverChallenge(tx: OpenTransaction, content: Buffer, t: number): void {
  maskSaslChallenge(content, tx.sasl!.mechanism);
  const shown = showSaslChallenge(content.toString('latin1').slice(2));
  if (shown.badBase64) addViolation(tx, 'POP3_SASL_BAD_BASE64', 'server challenge');
  tx.saslChallenge = shown.decoded;
  recordSaslStep(tx, 'server', shown.text, t);
}

/**
 * The server answered the exchange: its outcome is settled. Returns true when it succeeded with a security
 * layer (RFC 4422 §3.7), after which every byte is wrapped.
 */
export function settleSasl(tx: OpenTransaction, status: Status): boolean {
  const sasl = tx.sasl!;
  const cancelled = sasl.steps.some((s) => s.from === 'client' && s.text.startsWith('* '));
  if (cancelled && status === '+OK') addViolation(tx, 'POP3_SASL_CANCEL_ACCEPTED', 'the server answered +OK');
  sasl.outcome = cancelled ? 'cancelled' : status === '+OK' ? 'success' : 'failure';
  return sasl.outcome === 'success' && sasl.layer !== undefined && sasl.layer !== '';
}

/** Records one step of the exchange, up to MAX_SASL_STEPS. */
export function recordSaslStep(
  tx: OpenTransaction,
  from: 'client' | 'server',
  text: string,
  at: number,
): void {
  const steps = tx.sasl!.steps;
  if (steps.length < MAX_SASL_STEPS) steps.push({ from, text, at });
}
