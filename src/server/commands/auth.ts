/**
 * AUTHORIZATION: USER/PASS and APOP (RFC 1939 §7), AUTH (RFC 5034), and the common end of every login:
 * check the secret, lock the maildrop, enter TRANSACTION. Failures carry [AUTH] (RFC 3206) and a locked
 * maildrop [IN-USE] (RFC 2449 §8), so a client can tell a wrong password from a busy mailbox.
 *
 * Logs name the user and the method only: never a password, an APOP digest or a SASL blob.
 */
import { createHash } from 'node:crypto';
import { counted } from '../../words.js';
import { challenge, err, listing, ok, type Reply } from '../reply.js';
import { sameSecret } from '../store.js';
import { decodeSasl, MECHANISMS, type SaslStep } from './sasl.js';
import type { CommandTable, SessionContext } from './types.js';

const AUTH_FAILED = () => err('authentication failed', 'AUTH');

/** The last step of every login method: credentials were fine, now take the maildrop. */
async function enterTransaction(ctx: SessionContext, user: string, method: string): Promise<Reply> {
  const { store, logger } = ctx.deps;
  let drop: Awaited<ReturnType<typeof store.openMaildrop>>;
  try {
    drop = await store.openMaildrop(user);
  } catch (e) {
    logger.error({ user, err: e }, 'cannot open maildrop');
    return err('cannot open maildrop', 'SYS/TEMP');
  }
  if (drop === 'in-use') {
    logger.info({ user, method }, 'login refused: maildrop in use');
    return err('maildrop already locked by another session', 'IN-USE');
  }
  // The connection ended while the store opened the maildrop (end() has run): nobody would release it.
  if (ctx.phase === 'CLOSED') {
    drop.release();
    logger.info({ user, method }, 'login abandoned: the session ended while the maildrop was opened');
    return err('the session ended', 'SYS/TEMP');
  }
  // The +OK moves the session to TRANSACTION (the command table's login transition, applied by session.ts).
  ctx.user = user;
  ctx.maildrop = drop;
  const octets = drop.messages.reduce((sum, m) => sum + m.size, 0);
  logger.info({ user, method, messages: drop.messages.length }, 'login');
  return ok(`${user} has ${counted(drop.messages.length, 'message')} (${counted(octets, 'octet')})`);
}

/** Checks a secret for a user the store knows; unknown users fail the same way as wrong secrets. */
async function login(
  ctx: SessionContext,
  user: string,
  method: string,
  verify: (password: string) => boolean,
): Promise<Reply> {
  const password = ctx.deps.store.password(user);
  if (password === undefined || !verify(password)) {
    ctx.deps.logger.info({ user, method }, 'login failed');
    return AUTH_FAILED();
  }
  return enterTransaction(ctx, user, method);
}

/** Acts on one SASL step: send a challenge and stay in the exchange, or finish it. */
function saslStep(ctx: SessionContext, mechanism: string, step: SaslStep): Reply | Promise<Reply> {
  switch (step.kind) {
    case 'challenge':
      return challenge(step.data);
    case 'malformed':
      ctx.sasl = undefined;
      ctx.deps.logger.info({ mechanism, why: step.why }, 'login failed: malformed SASL response');
      return AUTH_FAILED();
    case 'credentials':
      ctx.sasl = undefined;
      return login(ctx, step.user, `AUTH ${mechanism}`, step.verify);
  }
}

/** One client line during an AUTH exchange (lock-step: nothing else is a command until it ends). */
export function saslResponse(ctx: SessionContext, text: string): Reply | Promise<Reply> {
  const { mechanism, exchange } = ctx.sasl!;
  if (text === '*') {
    ctx.sasl = undefined;
    return err('authentication cancelled');
  }
  const decoded = decodeSasl(text);
  if (!decoded) {
    ctx.sasl = undefined;
    return err('invalid base64 in SASL response');
  }
  return saslStep(ctx, mechanism, exchange.next(decoded));
}

function auth(ctx: SessionContext, args: readonly string[]): Reply | Promise<Reply> {
  // A bare AUTH lists the mechanisms, as Dovecot does; Outlook asks this way.
  if (args.length === 0) return listing('supported SASL mechanisms follow', [...MECHANISMS.keys()]);
  const mechanism = args[0]!.toUpperCase();
  const def = MECHANISMS.get(mechanism);
  if (!def) return err(`unsupported SASL mechanism ${mechanism}`);
  const initial = args[1];
  if (initial === '*') return err('authentication cancelled');
  if (initial !== undefined && def.serverFirst) return err(`${mechanism} does not take an initial response`);
  let decoded: Buffer | undefined;
  if (initial !== undefined) {
    const d = decodeSasl(initial);
    if (!d) return err('invalid base64 in initial response');
    decoded = d;
  }
  const exchange = def.create(ctx.deps.newChallenge);
  const step = exchange.next(decoded);
  if (step.kind === 'challenge') ctx.sasl = { mechanism, exchange };
  return saslStep(ctx, mechanism, step);
}

export const authCommands: CommandTable = {
  USER: {
    // Always +OK: whether a user exists is only revealed, as a plain [AUTH] failure, after PASS.
    run: () => ok('send PASS'),
  },
  PASS: {
    run(ctx, [given]) {
      // The command table has PASS directly follow an accepted USER (RFC 1939 §7): the name is its argument.
      const user = ctx.previous!.args[0]!;
      return login(ctx, user, 'USER/PASS', (password) => sameSecret(given!, password));
    },
  },
  APOP: {
    run(ctx, [user, digest]) {
      // RFC 1939 §7: lower-case hex MD5 of the greeting's timestamp followed by the shared secret.
      const expected = (password: string) =>
        createHash('md5')
          .update(ctx.deps.timestamp + password, 'utf8')
          .digest('hex');
      return login(ctx, user!, 'APOP', (password) => sameSecret(expected(password), digest!.toLowerCase()));
    },
  },
  AUTH: { run: auth },
};
