/** Message-number checks: out of range (RFC 1939 §5) and use of a message marked as deleted. */

import type { RawTransaction } from '../../protocol/types.js';
import { type Violation, violation } from '../../protocol/violations.js';
import { counted } from '../../words.js';
import { type Mailbox, messageNumber } from '../mailbox.js';

const TAKES_MESSAGE = new Set(['RETR', 'DELE', 'TOP', 'LIST', 'UIDL']);

export function checkAccess(tx: RawTransaction, box: Mailbox): Violation[] {
  const verb = tx.command?.verb ?? '';
  const n = messageNumber(tx);
  if (!TAKES_MESSAGE.has(verb) || n === null || tx.response.status === null) return [];
  const out: Violation[] = [];
  const ok = tx.response.status === '+OK';
  if (box.highest !== null && n > box.highest) {
    const who = ok ? 'the server answered +OK' : 'the client asked for it';
    out.push(
      violation(
        'POP3_MESSAGE_OUT_OF_RANGE',
        `${verb} ${n} but the maildrop has ${counted(box.highest, 'message')}; ${who}`,
      ),
    );
  }
  if (ok && box.messages.get(n)?.marked) {
    out.push(violation('POP3_DELETED_MESSAGE', `${verb} ${n} after DELE ${n}`));
  }
  return out;
}
