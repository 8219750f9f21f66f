/** The MailStore contract, checked the same way on both stores: read, stream, lock, commit, release. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaildirStore } from '../../src/server/maildirStore.js';
import { MemoryStore } from '../../src/server/memoryStore.js';
import type { Maildrop, MailStore } from '../../src/server/store.js';

const MESSAGES = [
  Buffer.from('Subject: one\r\n\r\nfirst\r\n'),
  Buffer.from('Subject: two\n\nsecond, LF only\n'),
];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pop3scope-stores-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function maildir(): Promise<MailStore> {
  const root = await mkdtemp(join(dir, 'root-'));
  await mkdir(join(root, 'bob', 'new'), { recursive: true });
  for (const [i, m] of MESSAGES.entries())
    await writeFile(join(root, 'bob', 'new', `170000000${i}.M${i}.host`), m);
  return new MaildirStore(root, new Map([['bob', 'hungry']]));
}

async function opened(store: MailStore): Promise<Maildrop> {
  const drop = await store.openMaildrop('bob');
  if (drop === 'in-use') throw new Error('unexpectedly locked');
  return drop;
}

const stores: Array<[string, () => Promise<MailStore>]> = [
  ['MemoryStore', async () => new MemoryStore([{ name: 'bob', password: 'hungry', messages: MESSAGES }])],
  ['MaildirStore', maildir],
];

describe.each(stores)('%s', (_name, make) => {
  it('knows its users and their secrets', async () => {
    const store = await make();
    expect(store.userNames()).toEqual(['bob']);
    expect(store.password('bob')).toBe('hungry');
    expect(store.password('mallory')).toBeUndefined();
  });

  it('reads and streams the stored bytes, and sizes them as the wire will carry them', async () => {
    const drop = await opened(await make());
    expect(drop.messages.map((m) => m.size)).toEqual([MESSAGES[0]!.length, MESSAGES[1]!.length + 3]);
    for (const [i, m] of MESSAGES.entries()) {
      expect((await drop.read(i)).equals(m)).toBe(true);
      const parts: Buffer[] = [];
      for await (const chunk of await drop.stream(i)) parts.push(chunk);
      expect(Buffer.concat(parts).equals(m)).toBe(true);
    }
  });

  it('locks a maildrop for one session at a time; release unlocks', async () => {
    const store = await make();
    const drop = await opened(store);
    expect(await store.openMaildrop('bob')).toBe('in-use');
    drop.release();
    const again = await opened(store);
    // A stale second release of the first session must not unlock the session that holds the lock now.
    drop.release();
    expect(await store.openMaildrop('bob')).toBe('in-use');
    again.release();
  });

  it('commit removes exactly the given messages and unlocks; UIDs of the rest stay', async () => {
    const store = await make();
    const drop = await opened(store);
    const keptUid = drop.messages[1]!.uid;
    expect(await drop.commit([0])).toEqual({ failed: 0 });
    const after = await opened(store);
    expect(after.messages.map((m) => m.uid)).toEqual([keptUid]);
    expect((await after.read(0)).equals(MESSAGES[1]!)).toBe(true);
    after.release();
  });
});
