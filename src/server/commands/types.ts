/**
 * The shape shared by the command groups: the session state a handler may read and change, and the handler
 * each implemented command has. Which phases a verb is valid in, its arguments and the phase its answer leads
 * to are the protocol's command table (protocol/commands.ts), shared with the engine; a handler only decides
 * what to answer. Handlers never see a socket: they get arguments and return a Reply.
 */
import type { Logger } from 'pino';
import type { Phase as ProtocolPhase } from '../../protocol/commands.js';
import type { Reply } from '../reply.js';
import type { Maildrop, MailStore } from '../store.js';
import type { SaslExchange } from './sasl.js';

/** RFC 1939 §3's phases, and CLOSED once the session has ended (after QUIT's answer, or the connection). */
export type Phase = ProtocolPhase | 'CLOSED';

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
  /** The previous command, when it was answered +OK: what a command's precondition is checked against. */
  previous?: { readonly verb: string; readonly args: readonly string[] };
  /** An AUTH exchange in progress: every line is a SASL response until it ends (RFC 5034 §4). */
  sasl?: { readonly mechanism: string; readonly exchange: SaslExchange };
  /** TRANSACTION: who logged in, their locked maildrop, and the 0-based indexes marked by DELE. */
  user?: string;
  maildrop?: Maildrop;
  readonly deleted: Set<number>;
}

export interface CommandDef {
  /** Answers the command; called only in a phase the command table allows, with arguments of the right count. */
  readonly run: (ctx: SessionContext, args: readonly string[]) => Reply | Promise<Reply>;
}

export type CommandTable = Readonly<Record<string, CommandDef>>;

/** The phases a capability is advertised in (CAPA, commands/common.ts). */
export const AUTHORIZATION: readonly Phase[] = ['AUTHORIZATION'];
export const BOTH: readonly Phase[] = ['AUTHORIZATION', 'TRANSACTION'];
