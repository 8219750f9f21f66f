/**
 * The web view's access token: 128 random bits, base64url, carried in the URL (`?t=`), because the page must
 * be reachable by a plain link printed on the terminal and EventSource cannot send headers. Compared in
 * constant time: both sides are hashed first, so neither their content nor their length shows in the timing.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 16 octets → 22 base64url characters. */
const TOKEN_OCTETS = 16;

export function newToken(): string {
  return randomBytes(TOKEN_OCTETS).toString('base64url');
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Whether `given` (from the request; null when absent) is the token. */
export function tokenMatches(given: string | null, token: string): boolean {
  if (given === null) return false;
  return timingSafeEqual(digest(given), digest(token));
}
