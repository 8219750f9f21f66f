/**
 * The embedded server's texts read as English (issue 17 item 5): a count agrees with its noun ("1 message",
 * "1 octet"), and a message DELE marked is "already marked for deletion", never "already deleted": it is
 * removed only in UPDATE, after QUIT, and a student reading the -ERR must not think it is gone.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/server/memoryStore.js';
import { counted } from '../../src/words.js';
import { feed, newSession } from './helpers.js';

/** bob with one message of one line: 3 octets on the wire. */
const oneMessage = () =>
  new MemoryStore([{ name: 'bob', password: 'hungry', messages: [Buffer.from('x\r\n')] }]);

async function loggedIn(store: MemoryStore) {
  const s = newSession(store);
  await feed(s, 'USER bob');
  return { s, login: await feed(s, 'PASS hungry') };
}

describe('the server counts in words that agree', () => {
  it('counted: singular for one, plural otherwise', () => {
    expect(counted(0, 'message')).toBe('0 messages');
    expect(counted(1, 'message')).toBe('1 message');
    expect(counted(2, 'octet')).toBe('2 octets');
    expect(counted(1, 'octet')).toBe('1 octet');
    expect(counted(2, 'body', 'bodies')).toBe('2 bodies');
  });

  it('one message: the login, LIST, RSET and QUIT say "1 message"', async () => {
    const { s, login } = await loggedIn(oneMessage());
    expect(login).toBe('+OK bob has 1 message (3 octets)\r\n');
    expect(await feed(s, 'LIST')).toBe('+OK 1 message (3 octets)\r\n1 3\r\n.\r\n');
    expect(await feed(s, 'RETR 1')).toBe('+OK 3 octets\r\nx\r\n.\r\n');
    expect(await feed(s, 'DELE 1')).toBe('+OK message 1 marked for deletion\r\n');
    expect(await feed(s, 'LIST')).toBe('+OK 0 messages (0 octets)\r\n.\r\n');
    expect(await feed(s, 'RSET')).toBe('+OK maildrop has 1 message (3 octets)\r\n');
    await feed(s, 'DELE 1');
    expect(await feed(s, 'QUIT')).toBe('+OK pop3scope signing off (1 message deleted)\r\n');
  });

  it('nothing marked: QUIT says "0 messages deleted"', async () => {
    const { s } = await loggedIn(oneMessage());
    expect(await feed(s, 'QUIT')).toBe('+OK pop3scope signing off (0 messages deleted)\r\n');
  });

  it('a marked message is "already marked for deletion" to RETR, LIST n, TOP, UIDL n and DELE', async () => {
    const { s } = await loggedIn(oneMessage());
    await feed(s, 'DELE 1');
    for (const line of ['RETR 1', 'LIST 1', 'TOP 1 0', 'UIDL 1', 'DELE 1'])
      expect(await feed(s, line), line).toBe('-ERR message 1 already marked for deletion\r\n');
  });
});
