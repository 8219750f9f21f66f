/**
 * What the server needs from a mail store. A session locks one user's maildrop for its whole TRANSACTION
 * (RFC 1939 §8 allows one session per maildrop), reads messages by their 0-based index in the listing taken
 * at login, and asks for removal only in UPDATE. Numbers seen by the client are index + 1 and never change
 * within a session.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { MAX_UID_LENGTH } from '../protocol/limits.js';

export interface MessageInfo {
  /** Octets on the wire, unstuffed, with CRLF line endings (RFC 1939 §11); see wire.ts. */
  readonly size: number;
  /** Unique in the maildrop and stable across sessions: 1–70 characters from 0x21–0x7E (RFC 1939 §7). */
  readonly uid: string;
}

export interface Maildrop {
  /** The messages at login, in the order they are numbered. */
  readonly messages: readonly MessageInfo[];
  /** A message's stored bytes (not stuffed, line endings as stored), in chunks; rejects when unreadable. */
  stream(index: number): Promise<AsyncIterable<Buffer>>;
  /** A whole message's stored bytes. */
  read(index: number): Promise<Buffer>;
  /** UPDATE (RFC 1939 §6): removes these messages and unlocks; resolves with how many could not be removed. */
  commit(indexes: readonly number[]): Promise<{ readonly failed: number }>;
  /** Unlocks without removing anything (the session ended without QUIT, or QUIT's UPDATE is done). */
  release(): void;
}

export interface MailStore {
  /** A short description for the startup line, e.g. "demo mailbox" or "Maildir /var/mail". */
  readonly description: string;
  /** The user names served (never their passwords). */
  userNames(): string[];
  /** The user's shared secret, or undefined for an unknown user; APOP and CRAM-MD5 need it in the clear. */
  password(user: string): string | undefined;
  /** Locks and opens the user's maildrop; 'in-use' while another session holds it (RFC 2449 §8 [IN-USE]). */
  openMaildrop(user: string): Promise<Maildrop | 'in-use'>;
}

/** The set of locked maildrops of one store. */
export class LockSet {
  private readonly held = new Set<string>();

  /** Takes the lock, or returns false when it is already held. */
  acquire(user: string): boolean {
    if (this.held.has(user)) return false;
    this.held.add(user);
    return true;
  }

  release(user: string): void {
    this.held.delete(user);
  }
}

/** Compares two secrets in time independent of where they differ. */
export function sameSecret(a: string, b: string): boolean {
  // Hashing first gives equal lengths, which timingSafeEqual needs, without leaking the real length.
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

const UID_CHARS = new RegExp(`^[\\x21-\\x7e]{1,${MAX_UID_LENGTH}}$`);

/** A valid UID from a store-specific id: the id itself when it fits RFC 1939 §7, else a hash of it. */
export function uidFrom(id: string): string {
  return UID_CHARS.test(id) ? id : createHash('sha256').update(id, 'utf8').digest('base64url').slice(0, 43);
}

/** Makes UIDs unique in a maildrop by suffixing repeats (two identical messages hash alike). */
export function uniqueUids(ids: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return ids.map((id) => {
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    if (n === 1) return id;
    const suffix = `-${n}`;
    return id.slice(0, MAX_UID_LENGTH - suffix.length) + suffix;
  });
}
