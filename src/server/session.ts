/**
 * One POP3 server session without I/O: it takes command lines (already framed, see framer.ts) and returns
 * replies; the socket glue (connection.ts) does the reading, writing and timing. Commands are handled
 * strictly one at a time, in order, which is all PIPELINING (RFC 2449 §6.6) asks of a server.
 *
 * What each command answers lives in its group's table under commands/; this file routes a line to its
 * handler and applies the rules every command shares, read from the protocol's command table (the same one the
 * engine reads): line length, the phases a verb is valid in, its argument count, what must come before it, and
 * the phase its answer leads to.
 */
import {
  arity,
  type CommandSpec,
  lookupCommand,
  type Phase as ProtocolPhase,
  takesRestOfLine,
  transitionOf,
} from '../protocol/commands.js';
import { MAX_COMMAND_LINE } from '../protocol/limits.js';
import { authCommands, saslResponse } from './commands/auth.js';
import { commonCommands } from './commands/common.js';
import { tlsCommands } from './commands/tls.js';
import { transactionCommands } from './commands/transaction.js';
import type { CommandTable, Phase, SessionContext, SessionDeps } from './commands/types.js';
import type { CommandLine } from './framer.js';
import { err, isOk, type Reply } from './reply.js';

export type { Phase, SessionDeps } from './commands/types.js';

/** What the server answers, per implemented verb; when a verb is valid comes from the command table. */
const HANDLERS: CommandTable = {
  ...authCommands,
  ...tlsCommands,
  ...transactionCommands,
  ...commonCommands,
};

/** How a wrong-phase -ERR names the phase. */
const PHASE_NAMES: Record<Phase, string> = {
  AUTHORIZATION: 'before login',
  TRANSACTION: 'after login',
  UPDATE: 'during UPDATE',
  CLOSED: 'after QUIT',
};

export class Pop3Session {
  private readonly ctx: SessionContext;

  constructor(deps: SessionDeps) {
    this.ctx = { deps, phase: 'AUTHORIZATION', secure: deps.tls === 'implicit', deleted: new Set() };
  }

  /** The greeting, with the APOP timestamp (RFC 1939 §7). */
  greeting(): Buffer {
    return Buffer.from(`+OK pop3scope ready ${this.ctx.deps.timestamp}\r\n`, 'utf8');
  }

  get phase(): Phase {
    return this.ctx.phase;
  }

  /** True once the connection is TLS (implicit TLS, or after STLS was accepted). */
  get secure(): boolean {
    return this.ctx.secure;
  }

  /** True while an AUTH exchange waits for the client's next SASL response. */
  get inSasl(): boolean {
    return this.ctx.sasl !== undefined;
  }

  /** The logged-in user, once in TRANSACTION. */
  get user(): string | undefined {
    return this.ctx.user;
  }

  /** Handles one command line; undefined once the session is closed (lines after QUIT are ignored). */
  async handle(line: CommandLine): Promise<Reply | undefined> {
    const ctx = this.ctx;
    if (ctx.phase === 'CLOSED') return undefined;
    try {
      return await this.dispatch(line);
    } catch (e) {
      // Our own bug or a store failure: the client gets -ERR and the session goes on.
      ctx.deps.logger.error({ err: e, user: ctx.user }, 'command failed');
      ctx.sasl = undefined;
      return err('internal server error', 'SYS/TEMP');
    }
  }

  /**
   * The connection is gone without QUIT (drop, idle timeout, shutdown): no UPDATE, nothing marked is removed
   * (RFC 1939 §6), the maildrop is unlocked. Safe to call more than once.
   */
  end(): void {
    const ctx = this.ctx;
    ctx.maildrop?.release();
    ctx.maildrop = undefined;
    ctx.sasl = undefined;
    ctx.phase = 'CLOSED';
  }

  private async dispatch(line: CommandLine): Promise<Reply> {
    const ctx = this.ctx;
    const routed = this.route(line);
    if (!routed.command) {
      ctx.previous = undefined;
      return routed.refused;
    }
    const { spec, args } = routed.command;
    const from = ctx.phase as ProtocolPhase;
    const change = transitionOf(spec, from, args);
    // A change on any answer happens as the command is taken (QUIT enters UPDATE, then answers).
    if (change?.on === 'answer') ctx.phase = change.to;
    let reply: Reply;
    try {
      reply = await routed.command.run();
    } finally {
      if (spec.ends) ctx.phase = 'CLOSED';
    }
    if (change?.on === '+OK' && isOk(reply) && ctx.phase === from) ctx.phase = change.to;
    ctx.previous = isOk(reply) ? { verb: spec.verb, args } : undefined;
    return reply;
  }

  /** Routes a line to its handler after the rules every command shares (the command table's). */
  private route(line: CommandLine): Routed {
    const ctx = this.ctx;
    if (line.tooLong) {
      ctx.sasl = undefined;
      return { refused: err(`line too long, the limit is ${MAX_COMMAND_LINE} octets with CRLF`) };
    }
    if (ctx.sasl) {
      // The exchange is still the AUTH command: its final +OK is AUTH's (and leads where AUTH's row says).
      const run = () => saslResponse(ctx, line.text);
      return { command: { spec: lookupCommand('AUTH')!, args: [ctx.sasl.mechanism], run } };
    }

    const space = line.text.indexOf(' ');
    const verb = (space === -1 ? line.text : line.text.slice(0, space)).toUpperCase();
    const rest = space === -1 ? '' : line.text.slice(space + 1);
    // Only the verb is logged: the arguments of PASS, APOP and AUTH are secrets.
    ctx.deps.logger.trace({ verb }, 'command');
    const def = Object.hasOwn(HANDLERS, verb) ? HANDLERS[verb] : undefined;
    const spec = lookupCommand(verb);
    if (!def || !spec)
      return { refused: err(verb === '' ? 'empty command' : `unknown command ${verb.slice(0, 16)}`) };
    // A refused command is not taken: it changes no phase.
    const refuse = (text: string): Routed => ({ refused: err(text) });
    if (!spec.phases.includes(ctx.phase as ProtocolPhase))
      return refuse(`${verb} is not valid ${PHASE_NAMES[ctx.phase]}`);

    let args: string[];
    if (takesRestOfLine(spec)) {
      // PASS: the password is the rest of the line and may contain spaces (RFC 1939 §7).
      if (rest === '') return refuse(`${verb} needs an argument`);
      args = [rest];
    } else {
      // Laxer than the engine's grammar: only the count is checked here; each handler answers a bad value.
      args = rest.split(' ').filter((a) => a !== '');
      const { min, max } = arity(spec);
      if (args.length < min || args.length > max) {
        const wanted = min === max ? `${min}` : `${min} to ${max}`;
        return refuse(`${verb} takes ${wanted} argument${max === 1 ? '' : 's'}, got ${args.length}`);
      }
    }
    const before = spec.after;
    if (before && ctx.previous?.verb !== before.verb)
      return refuse(`${verb} must follow a successful ${before.verb}`);
    return { command: { spec, args, run: () => def.run(ctx, args) } };
  }
}

/** A routed line: the command its handler takes, or the -ERR of a line refused before any handler. */
type Routed =
  | {
      readonly command: {
        readonly spec: CommandSpec;
        readonly args: readonly string[];
        readonly run: () => Reply | Promise<Reply>;
      };
      readonly refused?: undefined;
    }
  | { readonly command?: undefined; readonly refused: Reply };
