/** UID checks (RFC 1939 §7): 1 to 70 characters from 0x21 to 0x7E, unique within the maildrop. */
import { MAX_UID_LENGTH } from '../../protocol/limits.js';
import { type Violation, violation } from '../../protocol/violations.js';
import type { Mailbox } from '../mailbox.js';

const UID = /^[\x21-\x7e]+$/;

/** Records message n's UID in the model and reports what is wrong with it. */
export function recordUid(box: Mailbox, n: number, uid: string): Violation[] {
  const out: Violation[] = [];
  if (!UID.test(uid) || uid.length > MAX_UID_LENGTH) {
    out.push(violation('POP3_UIDL_INVALID', `message ${n} has UID ${JSON.stringify(uid.slice(0, 80))}`));
  }
  const other = box.setUid(n, uid);
  if (other !== undefined) {
    out.push(
      violation('POP3_UIDL_DUPLICATE', `messages ${other} and ${n} both have UID ${JSON.stringify(uid)}`),
    );
  }
  return out;
}
