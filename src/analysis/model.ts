/**
 * Applies a finished transaction to the mailbox model and runs the checks that need the model. Only
 * successful responses change the model; a refused command changes nothing on the server (RFC 1939 §5). The
 * model exists in the phase a login leads to, and is committed by the command that leads to UPDATE, as the
 * command table says.
 */
import { transitionOf } from '../protocol/commands.js';
import type { RawTransaction } from '../protocol/types.js';
import { type Violation, violation } from '../protocol/violations.js';
import { checkAccess } from './checks/access.js';
import { checkBodySize, checkStat, checkTop } from './checks/sizes.js';
import { recordUid } from './checks/uidl.js';
import { type Mailbox, messageNumber, numberedValue } from './mailbox.js';

type Update = (tx: RawTransaction, box: Mailbox, n: number | null) => Violation[];

function listing(
  tx: RawTransaction,
  box: Mailbox,
  each: (n: number, value: string) => Violation[],
): Violation[] {
  const out: Violation[] = [];
  let highest = 0;
  for (const line of tx.response.listing ?? []) {
    const entry = numberedValue(line);
    if (!entry) {
      out.push(violation('POP3_MALFORMED_RESPONSE', `listing line ${JSON.stringify(line.slice(0, 60))}`));
      continue;
    }
    highest = Math.max(highest, entry.n);
    out.push(...each(entry.n, entry.value));
  }
  // Marked messages are left out of listings but keep their numbers (RFC 1939 §5).
  for (const m of box.messages.values()) if (m.marked) highest = Math.max(highest, m.n);
  box.highest = highest;
  return out;
}

function size(box: Mailbox, n: number, value: string): Violation[] {
  if (!/^[0-9]+$/.test(value))
    return [violation('POP3_MALFORMED_RESPONSE', `size ${JSON.stringify(value)} of message ${n}`)];
  const m = box.message(n);
  if (m) m.size = Number(value);
  return [];
}

const UPDATES: Record<string, Update> = {
  STAT(tx, box) {
    const m = /^([0-9]+) ([0-9]+)/.exec(tx.response.text);
    if (!m) return [violation('POP3_MALFORMED_RESPONSE', 'STAT must answer "+OK count octets"')];
    box.stat = { count: Number(m[1]), octets: Number(m[2]), marksVersion: box.marksVersion };
    const marked = [...box.messages.values()].filter((x) => x.marked).length;
    if (marked === 0) box.highest = Number(m[1]);
    return checkStat(box);
  },
  LIST(tx, box, n) {
    if (n === null) {
      const out = listing(tx, box, (k, v) => size(box, k, v));
      box.listedAt = box.marksVersion;
      return [...out, ...checkStat(box)];
    }
    const entry = numberedValue(tx.response.text);
    return entry
      ? size(box, entry.n, entry.value)
      : [violation('POP3_MALFORMED_RESPONSE', 'LIST n must answer "+OK n size"')];
  },
  UIDL(tx, box, n) {
    if (n === null) return listing(tx, box, (k, v) => recordUid(box, k, v));
    const entry = numberedValue(tx.response.text);
    return entry
      ? recordUid(box, entry.n, entry.value)
      : [violation('POP3_MALFORMED_RESPONSE', 'UIDL n must answer "+OK n uid"')];
  },
  RETR(tx, box, n) {
    const m = n === null ? undefined : box.message(n);
    if (m && tx.response.complete) m.retrieved = true;
    return checkBodySize(tx, m);
  },
  TOP(tx, box, n) {
    const asked = Number(tx.command?.args[1] ?? Number.NaN);
    if (n === null || !Number.isFinite(asked)) return [];
    const { violations, whole } = checkTop(tx, asked);
    const m = box.message(n);
    if (m && whole) {
      m.retrieved = true;
      return [...violations, ...checkBodySize(tx, m)];
    }
    return violations;
  },
  DELE(_tx, box, n) {
    if (n !== null) box.mark(n);
    return [];
  },
  RSET(_tx, box) {
    box.unmarkAll();
    return [];
  },
};

/** Updates the model from a finished transaction; returns the violations the model reveals. */
export function applyToMailbox(tx: RawTransaction, box: Mailbox): Violation[] {
  const verb = tx.command?.verb;
  // Messages are numbered only once the maildrop is locked (RFC 1939 §4), in TRANSACTION.
  if (!verb || tx.phase !== 'TRANSACTION') return [];
  const n = messageNumber(tx);
  const out = checkAccess(tx, box);
  if (tx.response.status !== '+OK') return out;
  // QUIT from TRANSACTION: UPDATE removes the marked messages.
  if (tx.spec && transitionOf(tx.spec, tx.phase, tx.command!.args)?.to === 'UPDATE') {
    box.commit();
    return out;
  }
  const update = UPDATES[verb];
  return update ? [...out, ...update(tx, box, n)] : out;
}
