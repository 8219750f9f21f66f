/** Size checks: LIST size vs RETR body (RFC 1939 §5, §11), STAT vs LIST, and TOP's line count (§7). */

import type { RawTransaction } from '../../protocol/types.js';
import { type Violation, violation } from '../../protocol/violations.js';
import { counted } from '../../words.js';
import type { Mailbox, MessageState } from '../mailbox.js';

/** The retrieved body of a message vs the size LIST announced. */
export function checkBodySize(tx: RawTransaction, message: MessageState | undefined): Violation[] {
  const r = tx.response;
  if (!message || message.size === undefined || !r.complete) return [];
  if (r.bodyOctets === message.size) return [];
  return [
    violation(
      'POP3_SIZE_MISMATCH',
      `LIST said message ${message.n} is ${message.size} octets, ${tx.command?.verb} delivered ${r.bodyOctets}`,
    ),
  ];
}

/** STAT against the full LIST taken under the same deletion marks. */
export function checkStat(box: Mailbox): Violation[] {
  const stat = box.stat;
  if (
    !stat ||
    box.listedAt === null ||
    stat.marksVersion !== box.listedAt ||
    box.listedAt !== box.marksVersion
  )
    return [];
  const live = box.list().filter((m) => !m.marked && m.size !== undefined);
  const octets = live.reduce((sum, m) => sum + m.size!, 0);
  if (live.length === stat.count && octets === stat.octets) return [];
  return [
    violation(
      'POP3_STAT_MISMATCH',
      `STAT said ${counted(stat.count, 'message')}, ${counted(stat.octets, 'octet')}; LIST shows ${live.length}, ${counted(octets, 'octet')}`,
    ),
  ];
}

/** TOP n k: headers, the blank line, then at most k body lines. */
export function checkTop(tx: RawTransaction, asked: number): { violations: Violation[]; whole: boolean } {
  const r = tx.response;
  const headerLines = r.headerLines ?? -1;
  if (!r.complete || r.status !== '+OK') return { violations: [], whole: false };
  if (headerLines < 0) return { violations: [], whole: true };
  const bodyLines = r.bodyLines - headerLines - 1;
  const violations =
    bodyLines > asked
      ? [violation('POP3_TOP_TOO_LONG', `asked for ${counted(asked, 'body line')}, got ${bodyLines}`)]
      : [];
  // Fewer lines than asked means the whole message came back (fetchmail retrieves with TOP n 99999999).
  return { violations, whole: bodyLines < asked };
}
