/**
 * One POP3 server session without I/O: it takes command lines (already framed, see framer.ts) and returns
 * replies; the socket glue (connection.ts) does the reading, writing and timing. Commands are handled
 * strictly one at a time, in order, which is all PIPELINING (RFC 2449 §6.6) asks of a server.
 *
 * The behaviour of each command lives in its group's table under commands/; this file only routes a line to
 * its entry and applies the rules every command shares: line length, phase, argument count.
 */
import { MAX_COMMAND_LINE } from '../protocol/limits.js';
import { authCommands, saslResponse } from './commands/auth.js';
import { commonCommands } from './commands/common.js';
import { tlsCommands } from './commands/tls.js';
import { transactionCommands } from './commands/transaction.js';
import type { CommandTable, Phase, SessionContext, SessionDeps } from './commands/types.js';
import type { CommandLine } from './framer.js';
import { err, isOk, type Reply } from './reply.js';

export type { Phase, SessionDeps } from './commands/types.js';

const COMMANDS: CommandTable = {
  ...authCommands,
  ...tlsCommands,
  ...transactionCommands,
  ...commonCommands,
};

/** How a wrong-phase -ERR names the phase. */
const PHASE_NAMES: Record<Phase, string> = {
  AUTHORIZATION: 'before login',
  TRANSACTION: 'after login',
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
    const verb = routed.verb;
    const reply = await routed.reply;
    // PASS may only directly follow a successful USER (RFC 1939 §7): the name lives for one command.
    if (verb !== 'USER' || !isOk(reply)) ctx.pendingUser = undefined;
    return reply;
  }

  private route(line: CommandLine): { verb?: string; reply: Reply | Promise<Reply> } {
    const ctx = this.ctx;
    if (line.tooLong) {
      ctx.sasl = undefined;
      return { reply: err(`line too long, the limit is ${MAX_COMMAND_LINE} octets with CRLF`) };
    }
    if (ctx.sasl) return { reply: saslResponse(ctx, line.text) };

    const space = line.text.indexOf(' ');
    const verb = (space === -1 ? line.text : line.text.slice(0, space)).toUpperCase();
    const rest = space === -1 ? '' : line.text.slice(space + 1);
    // Only the verb is logged: the arguments of PASS, APOP and AUTH are secrets.
    ctx.deps.logger.trace({ verb }, 'command');
    const def = Object.hasOwn(COMMANDS, verb) ? COMMANDS[verb] : undefined;
    if (!def) return { reply: err(verb === '' ? 'empty command' : `unknown command ${verb.slice(0, 16)}`) };
    if (!def.phases.includes(ctx.phase))
      return { verb, reply: err(`${verb} is not valid ${PHASE_NAMES[ctx.phase]}`) };

    let args: string[];
    if (def.args === 'rest') {
      // PASS: the password is the rest of the line and may contain spaces (RFC 1939 §7).
      if (rest === '') return { verb, reply: err(`${verb} needs an argument`) };
      args = [rest];
    } else {
      args = rest.split(' ').filter((a) => a !== '');
      const [min, max] = def.args;
      if (args.length < min || args.length > max) {
        const wanted = min === max ? `${min}` : `${min} to ${max}`;
        return {
          verb,
          reply: err(`${verb} takes ${wanted} argument${max === 1 ? '' : 's'}, got ${args.length}`),
        };
      }
    }
    return { verb, reply: def.run(ctx, args) };
  }
}
