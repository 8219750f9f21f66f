/**
 * The shape shared by the command groups: the session state a handler may read and change, and the table
 * entry each command is described by. Handlers never see a socket: they get arguments and return a Reply.
 */
import type { Logger } from 'pino';
import type { Reply } from '../reply.js';
import type { Maildrop, MailStore } from '../store.js';
import type { SaslExchange } from './sasl.js';

/** RFC 1939 §3. UPDATE happens inside QUIT's handler, after which the session is CLOSED. */
export type Phase = 'AUTHORIZATION' | 'TRANSACTION' | 'CLOSED';

export interface SessionDeps {
  readonly store: MailStore;
  /** The APOP timestamp of this connection's greeting, `<pid.counter.time@host>` (RFC 1939 §7). */
  readonly timestamp: string;
  /** A fresh CRAM-MD5 challenge, unique per AUTH (RFC 2195 §2). */
  readonly newChallenge: () => string;
  readonly logger: Logger;
  /**
   * The TLS this connection can have: 'stls' offers STLS (RFC 2595 §4) until it is used, 'implicit' is TLS
   * from the first byte (POP3S, RFC 8314); absent means the server has no certificate and there is no TLS.
   */
  readonly tls?: 'stls' | 'implicit';
}

export interface SessionContext {
  readonly deps: SessionDeps;
  phase: Phase;
  /** True once the connection is TLS: from the start with implicit TLS, from a successful STLS otherwise. */
  secure: boolean;
  /** The name from a USER that was the previous command; PASS may only follow it (RFC 1939 §7). */
  pendingUser?: string;
  /** An AUTH exchange in progress: every line is a SASL response until it ends (RFC 5034 §4). */
  sasl?: { readonly mechanism: string; readonly exchange: SaslExchange };
  /** TRANSACTION: who logged in, their locked maildrop, and the 0-based indexes marked by DELE. */
  user?: string;
  maildrop?: Maildrop;
  readonly deleted: Set<number>;
}

export interface CommandDef {
  readonly phases: readonly Phase[];
  /** How many space-separated arguments, as [min, max]; 'rest' passes the whole rest of the line (PASS). */
  readonly args: readonly [number, number] | 'rest';
  readonly run: (ctx: SessionContext, args: readonly string[]) => Reply | Promise<Reply>;
}

export type CommandTable = Readonly<Record<string, CommandDef>>;

export const AUTHORIZATION: readonly Phase[] = ['AUTHORIZATION'];
export const TRANSACTION: readonly Phase[] = ['TRANSACTION'];
export const BOTH: readonly Phase[] = ['AUTHORIZATION', 'TRANSACTION'];
