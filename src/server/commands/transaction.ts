/**
 * TRANSACTION (RFC 1939 §5, §7): STAT, LIST, RETR, DELE, NOOP, RSET, TOP, UIDL. DELE only marks; a marked
 * number answers -ERR ("already marked for deletion": it is not removed before UPDATE) from then on and leaves STAT and the listings, and numbers are never reassigned.
 */

import { counted } from '../../words.js';
import { err, listing, ok, type Reply } from '../reply.js';
import type { MessageInfo } from '../store.js';
import { stuffedBody } from '../wire.js';
import type { CommandTable, SessionContext } from './types.js';

interface Live {
  readonly number: number;
  readonly message: MessageInfo;
}

/** The messages not marked deleted, with their client-visible numbers. */
function live(ctx: SessionContext): Live[] {
  return ctx.maildrop!.messages.flatMap((message, i) =>
    ctx.deleted.has(i) ? [] : [{ number: i + 1, message }],
  );
}

function totals(ctx: SessionContext): { count: number; octets: number } {
  const msgs = live(ctx);
  return { count: msgs.length, octets: msgs.reduce((sum, m) => sum + m.message.size, 0) };
}

/** Resolves a message-number argument to a 0-based index, or the -ERR to answer. */
function messageIndex(ctx: SessionContext, arg: string): number | Reply {
  if (!/^[0-9]+$/.test(arg)) return err(`invalid message number ${arg}`);
  const n = Number(arg);
  const count = ctx.maildrop!.messages.length;
  if (n < 1 || n > count) return err(`no such message, only ${count} in maildrop`);
  if (ctx.deleted.has(n - 1)) return err(`message ${n} already marked for deletion`);
  return n - 1;
}

/** Runs `then` with the resolved message index, or answers the argument's -ERR. */
function withMessage(
  ctx: SessionContext,
  arg: string,
  then: (index: number) => Reply | Promise<Reply>,
): Reply | Promise<Reply> {
  const index = messageIndex(ctx, arg);
  return typeof index === 'number' ? then(index) : index;
}

/** RETR and TOP: open the message first, so an unreadable one gets -ERR instead of a broken +OK. */
async function sendMessage(ctx: SessionContext, index: number, bodyLines?: number): Promise<Reply> {
  const { maildrop, deps } = ctx;
  let source: AsyncIterable<Buffer>;
  try {
    source = await maildrop!.stream(index);
  } catch (e) {
    deps.logger.error({ user: ctx.user, message: index + 1, err: e }, 'cannot read message');
    return err('cannot read message', 'SYS/TEMP');
  }
  const size = maildrop!.messages[index]!.size;
  const text = bodyLines === undefined ? counted(size, 'octet') : 'top of message follows';
  return { ...ok(text), body: stuffedBody(source, bodyLines) };
}

export const transactionCommands: CommandTable = {
  STAT: {
    run(ctx) {
      const { count, octets } = totals(ctx);
      return ok(`${count} ${octets}`);
    },
  },
  LIST: {
    run(ctx, [arg]) {
      if (arg !== undefined) {
        return withMessage(ctx, arg, (i) => ok(`${i + 1} ${ctx.maildrop!.messages[i]!.size}`));
      }
      const { count, octets } = totals(ctx);
      return listing(
        `${counted(count, 'message')} (${counted(octets, 'octet')})`,
        live(ctx).map((m) => `${m.number} ${m.message.size}`),
      );
    },
  },
  UIDL: {
    run(ctx, [arg]) {
      if (arg !== undefined)
        return withMessage(ctx, arg, (i) => ok(`${i + 1} ${ctx.maildrop!.messages[i]!.uid}`));
      return listing(
        'unique-id listing follows',
        live(ctx).map((m) => `${m.number} ${m.message.uid}`),
      );
    },
  },
  RETR: {
    run: (ctx, [arg]) => withMessage(ctx, arg!, (i) => sendMessage(ctx, i)),
  },
  TOP: {
    run(ctx, [arg, lines]) {
      if (!/^[0-9]+$/.test(lines!)) return err(`invalid line count ${lines}`);
      // Counts beyond any message (fetchmail sends 99999999) simply mean the whole body.
      return withMessage(ctx, arg!, (i) => sendMessage(ctx, i, Number(lines)));
    },
  },
  DELE: {
    run: (ctx, [arg]) =>
      withMessage(ctx, arg!, (i) => {
        ctx.deleted.add(i);
        return ok(`message ${i + 1} marked for deletion`);
      }),
  },
  NOOP: { run: () => ok() },
  RSET: {
    run(ctx) {
      ctx.deleted.clear();
      const { count, octets } = totals(ctx);
      return ok(`maildrop has ${counted(count, 'message')} (${counted(octets, 'octet')})`);
    },
  },
};
