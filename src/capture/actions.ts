/**
 * What pop3scope itself did on the wire — bytes it sent on its own, bytes it did not pass on — as engine events.
 * The live proxy and a capture read back both go through this one function, so both show the same lines and
 * report the same violations.
 */
import type { Inspector } from '../analysis/inspector.js';
import type { EngineEvent } from '../analysis/types.js';
import { VIOLATIONS, type ViolationCode } from '../protocol/violations.js';
import type { AlterRecord, ProxyRecord } from './format.js';

/** The records of pop3scope's own actions, without their session (the inspector has it). */
export type ProxyAction = Omit<ProxyRecord, 'session'> | Omit<AlterRecord, 'session'>;

/**
 * The server closed TCP under TLS with no close_notify first (a close record's `uncleanTls`): the violation
 * the live session and `show` report for it, just before the session's close.
 */
export function uncleanTlsEvents(inspector: Inspector, t: number): EngineEvent[] {
  return inspector.report(
    'POP3_TLS_UNCLEAN_SHUTDOWN',
    'its TCP connection closed with no close_notify alert before it',
    t,
  );
}

/** The events of one action: the action itself, then the violation it is reported as (if any). */
export function actionEvents(inspector: Inspector, a: ProxyAction): EngineEvent[] {
  const session = inspector.session;
  if (a.type === 'proxy') return [{ type: 'proxy', session, t: a.t, dir: a.dir, text: a.text }];
  // A code this pop3scope does not know (a newer writer) still shows the action, without a violation.
  const code = a.code !== undefined && Object.hasOwn(VIOLATIONS, a.code) ? (a.code as ViolationCode) : null;
  const alter: EngineEvent = {
    type: 'alter',
    session,
    t: a.t,
    dir: a.dir,
    what: a.what,
    removed: a.removed,
    code,
  };
  return code ? [alter, ...inspector.report(code, a.what, a.t)] : [alter];
}
