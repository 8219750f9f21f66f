/**
 * Commands valid in both AUTHORIZATION and TRANSACTION: CAPA (RFC 2449 §5) and QUIT (RFC 1939 §4, §6).
 * QUIT from TRANSACTION is the only way into UPDATE (the command table), the only place marked messages are
 * removed; the session is CLOSED after QUIT's answer, whatever the phase.
 */

import { counted } from '../../words.js';
import { err, listing, ok } from '../reply.js';
import { MECHANISMS } from './sasl.js';
import { AUTHORIZATION, BOTH, type CommandTable, type Phase, type SessionContext } from './types.js';

/**
 * What CAPA advertises, by phase: exactly what is implemented. STLS (RFC 2595 §4) is listed in AUTHORIZATION
 * only, only when the server has a certificate, and only while the connection is not yet TLS: never after a
 * successful STLS, never with implicit TLS.
 */
const CAPABILITIES: ReadonlyArray<{
  readonly tag: string;
  readonly phases: readonly Phase[];
  readonly when?: (ctx: SessionContext) => boolean;
}> = [
  { tag: 'STLS', phases: AUTHORIZATION, when: (ctx) => ctx.deps.tls === 'stls' && !ctx.secure },
  { tag: 'TOP', phases: BOTH },
  { tag: 'UIDL', phases: BOTH },
  { tag: 'USER', phases: AUTHORIZATION },
  { tag: 'RESP-CODES', phases: BOTH },
  { tag: 'AUTH-RESP-CODE', phases: BOTH },
  { tag: 'PIPELINING', phases: BOTH },
  { tag: `SASL ${[...MECHANISMS.keys()].join(' ')}`, phases: AUTHORIZATION },
  { tag: 'IMPLEMENTATION pop3scope', phases: BOTH },
];

export const commonCommands: CommandTable = {
  CAPA: {
    run: (ctx) =>
      listing(
        'capability list follows',
        CAPABILITIES.filter((c) => c.phases.includes(ctx.phase) && (c.when?.(ctx) ?? true)).map((c) => c.tag),
      ),
  },
  QUIT: {
    async run(ctx) {
      const { maildrop, deps } = ctx;
      // UPDATE (RFC 1939 §6): the command table has QUIT from TRANSACTION enter it before the answer.
      if (ctx.phase !== 'UPDATE' || !maildrop) return { ...ok('pop3scope signing off'), close: true };
      const marked = [...ctx.deleted].sort((a, b) => a - b);
      let failed = marked.length;
      try {
        ({ failed } = await maildrop.commit(marked));
      } catch (e) {
        deps.logger.error({ user: ctx.user, err: e }, 'UPDATE failed');
        maildrop.release();
      }
      ctx.maildrop = undefined;
      deps.logger.info({ user: ctx.user, deleted: marked.length - failed, failed }, 'update');
      if (failed > 0)
        return { ...err('some messages marked for deletion were not removed', 'SYS/TEMP'), close: true };
      return { ...ok(`pop3scope signing off (${counted(marked.length, 'message')} deleted)`), close: true };
    },
  },
};
