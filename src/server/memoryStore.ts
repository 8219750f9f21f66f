/**
 * An in-memory store: the demo maildrops (`serve --demo`) and test fixtures. Each store instance holds its own
 * copy, so every server start begins from the same state and deletions last only as long as the server.
 */
import { createHash } from 'node:crypto';
import { type DemoUser, demoUsers } from './demoMailbox.js';
import { SERVER_STREAM_CHUNK } from './limits.js';
import { LockSet, type Maildrop, type MailStore, type MessageInfo, uniqueUids } from './store.js';
import { wireSize } from './wire.js';

interface StoredMessage extends MessageInfo {
  readonly content: Buffer;
}

interface Account {
  readonly password: string;
  messages: StoredMessage[];
}

function toStored(messages: readonly Buffer[]): StoredMessage[] {
  // Content hashes make UIDs stable across sessions and across servers built from the same messages.
  const ids = messages.map((m) => createHash('sha256').update(m).digest('base64url').slice(0, 32));
  const uids = uniqueUids(ids);
  return messages.map((m, i) => ({ content: Buffer.from(m), size: wireSize(m), uid: uids[i]! }));
}

async function* chunksOf(content: Buffer): AsyncGenerator<Buffer> {
  // Chunked so that the connection's backpressure applies to large messages as it does for files.
  for (let at = 0; at < content.length; at += SERVER_STREAM_CHUNK) {
    yield content.subarray(at, at + SERVER_STREAM_CHUNK);
  }
}

export class MemoryStore implements MailStore {
  readonly description: string;
  private readonly accounts = new Map<string, Account>();
  private readonly locks = new LockSet();

  constructor(users: readonly DemoUser[], description = 'in-memory mailbox') {
    this.description = description;
    for (const u of users)
      this.accounts.set(u.name, { password: u.password, messages: toStored(u.messages) });
  }

  userNames(): string[] {
    return [...this.accounts.keys()];
  }

  password(user: string): string | undefined {
    return this.accounts.get(user)?.password;
  }

  async openMaildrop(user: string): Promise<Maildrop | 'in-use'> {
    const account = this.accounts.get(user);
    if (!account) throw new Error(`no maildrop for ${user}`);
    if (!this.locks.acquire(user)) return 'in-use';
    const messages = account.messages;
    let open = true;
    const release = () => {
      if (open) this.locks.release(user);
      open = false;
    };
    return {
      messages,
      stream: async (index) => chunksOf(messages[index]!.content),
      read: async (index) => Buffer.from(messages[index]!.content),
      commit: async (indexes) => {
        const gone = new Set(indexes);
        account.messages = messages.filter((_, i) => !gone.has(i));
        release();
        return { failed: 0 };
      },
      release,
    };
  }
}

/** A store with the demo users of demoMailbox.ts, freshly built. */
export function demoStore(): MemoryStore {
  return new MemoryStore(demoUsers(), 'demo mailbox');
}
