/**
 * The demo mailbox, refillable: `demo --play keep-vs-delete` starts its download-and-keep round from the same
 * two messages its download-and-delete round removed. Each refill is a fresh demo store; a session still open
 * on the old one keeps it (and its lock) until it ends, but the player refills only between sessions.
 */
import { demoUsers } from '../server/demoMailbox.js';
import { demoStore, type MemoryStore } from '../server/memoryStore.js';
import type { Maildrop, MailStore } from '../server/store.js';

export class RefillableDemoStore implements MailStore {
  private current: MemoryStore = demoStore();

  get description(): string {
    return this.current.description;
  }

  /** Puts every demo maildrop back as it was; returns how many messages `user` has again. */
  refill(user: string): number {
    this.current = demoStore();
    return demoUsers().find((u) => u.name === user)?.messages.length ?? 0;
  }

  userNames(): string[] {
    return this.current.userNames();
  }

  password(user: string): string | undefined {
    return this.current.password(user);
  }

  openMaildrop(user: string): Promise<Maildrop | 'in-use'> {
    return this.current.openMaildrop(user);
  }
}
