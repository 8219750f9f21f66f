/** The sans-IO session, lines in and reply bytes out: command rules and TRANSACTION semantics. */
import { describe, expect, it } from 'vitest';
import { demoUsers } from '../../src/server/demoMailbox.js';
import { MemoryStore } from '../../src/server/memoryStore.js';
import { bobSession, feed, newSession } from './helpers.js';

describe('command rules', () => {
  it('unknown commands, empty lines and wrong-phase commands get -ERR and the session goes on', async () => {
    const s = newSession();
    expect(await feed(s, 'XYZZY')).toMatch(/^-ERR unknown command/);
    expect(await feed(s, '')).toMatch(/^-ERR /);
    expect(await feed(s, 'STAT')).toMatch(/^-ERR STAT is not valid before login/);
    await feed(s, 'USER bob');
    await feed(s, 'PASS hungry');
    expect(await feed(s, 'USER bob')).toMatch(/^-ERR USER is not valid after login/);
    expect(await feed(s, 'STAT')).toBe('+OK 2 1410\r\n');
  });

  it('bad arguments get -ERR', async () => {
    const s = await bobSession();
    for (const line of [
      'RETR',
      'RETR x',
      'RETR 0',
      'RETR 3',
      'LIST 1 2',
      'TOP 1',
      'TOP 1 -1',
      'DELE 99',
      'STAT 1',
    ]) {
      expect(await feed(s, line), line).toMatch(/^-ERR /);
    }
  });

  it('an overlong line gets -ERR and the session goes on', async () => {
    const s = await bobSession();
    expect(await feed(s, `NOOP ${'x'.repeat(300)}`)).toMatch(/^-ERR line too long/);
    expect(await feed(s, 'NOOP')).toBe('+OK\r\n');
  });

  it('CAPA lists what is implemented, without USER and SASL after login', async () => {
    const before = [
      'TOP',
      'UIDL',
      'USER',
      'RESP-CODES',
      'AUTH-RESP-CODE',
      'PIPELINING',
      'SASL PLAIN LOGIN CRAM-MD5',
      'IMPLEMENTATION pop3scope',
    ];
    const s = newSession();
    expect(await feed(s, 'CAPA')).toBe(`+OK capability list follows\r\n${before.join('\r\n')}\r\n.\r\n`);
    await feed(s, 'USER bob');
    await feed(s, 'PASS hungry');
    const after = before.filter((c) => c !== 'USER' && !c.startsWith('SASL'));
    expect(await feed(s, 'CAPA')).toBe(`+OK capability list follows\r\n${after.join('\r\n')}\r\n.\r\n`);
  });
});

describe('TRANSACTION', () => {
  it('LIST and STAT give the exact sizes of the seed dialogue', async () => {
    const s = await bobSession();
    expect(await feed(s, 'LIST')).toBe('+OK 2 messages (1410 octets)\r\n1 498\r\n2 912\r\n.\r\n');
    expect(await feed(s, 'LIST 2')).toBe('+OK 2 912\r\n');
    expect(await feed(s, 'STAT')).toBe('+OK 2 1410\r\n');
  });

  it('RETR sends the stored bytes, terminated', async () => {
    const s = await bobSession();
    const stored = demoUsers()[0]!.messages[0]!.toString('utf8');
    expect(await feed(s, 'RETR 1')).toBe(`+OK 498 octets\r\n${stored}.\r\n`);
  });

  it('a message marked by DELE answers -ERR everywhere and leaves STAT and the listings', async () => {
    const s = await bobSession();
    expect(await feed(s, 'DELE 1')).toMatch(/^\+OK /);
    for (const line of ['RETR 1', 'TOP 1 0', 'DELE 1', 'LIST 1', 'UIDL 1']) {
      expect(await feed(s, line), line).toMatch(/^-ERR message 1 already marked for deletion\r\n$/);
    }
    expect(await feed(s, 'STAT')).toBe('+OK 1 912\r\n');
    expect(await feed(s, 'LIST')).toBe('+OK 1 message (912 octets)\r\n2 912\r\n.\r\n');
    expect(await feed(s, 'UIDL')).not.toMatch(/\r\n1 /);
    // Numbers are never reassigned.
    expect(await feed(s, 'LIST 2')).toBe('+OK 2 912\r\n');
  });

  it('RSET unmarks every message', async () => {
    const s = await bobSession();
    await feed(s, 'DELE 1');
    await feed(s, 'DELE 2');
    expect(await feed(s, 'STAT')).toBe('+OK 0 0\r\n');
    expect(await feed(s, 'LIST')).toBe('+OK 0 messages (0 octets)\r\n.\r\n');
    expect(await feed(s, 'RSET')).toBe('+OK maildrop has 2 messages (1410 octets)\r\n');
    expect(await feed(s, 'RETR 1')).toMatch(/^\+OK 498 octets/);
  });

  it('QUIT from TRANSACTION removes the marked messages (UPDATE)', async () => {
    const store = new MemoryStore(demoUsers());
    const s = await bobSession(store);
    await feed(s, 'DELE 1');
    expect(await feed(s, 'QUIT')).toBe('+OK pop3scope signing off (1 message deleted)\r\n');
    expect(s.phase).toBe('CLOSED');
    expect(await feed(s, 'STAT')).toBe('');
    const next = await bobSession(store);
    expect(await feed(next, 'LIST')).toBe('+OK 1 message (912 octets)\r\n1 912\r\n.\r\n');
  });

  it('a session that ends without QUIT removes nothing and unlocks', async () => {
    const store = new MemoryStore(demoUsers());
    const s = await bobSession(store);
    await feed(s, 'DELE 1');
    s.end();
    const next = await bobSession(store);
    expect(await feed(next, 'STAT')).toBe('+OK 2 1410\r\n');
  });

  it('QUIT before login closes without touching any maildrop', async () => {
    const s = newSession();
    expect(await feed(s, 'QUIT')).toBe('+OK pop3scope signing off\r\n');
    expect(s.phase).toBe('CLOSED');
  });

  it('UIDs are the same in every session and for every store built from the same messages', async () => {
    const a = await feed(await bobSession(), 'UIDL');
    const b = await feed(await bobSession(), 'UIDL');
    expect(a).toBe(b);
    const uids = a
      .split('\r\n')
      .slice(1, 3)
      .map((l) => l.split(' ')[1]!);
    expect(new Set(uids).size).toBe(2);
    for (const uid of uids) expect(uid).toMatch(/^[\x21-\x7e]{1,70}$/);
  });

  it('identical messages still get distinct UIDs', async () => {
    const same = Buffer.from('Subject: twin\r\n\r\nsame\r\n');
    const s = newSession(new MemoryStore([{ name: 'bob', password: 'hungry', messages: [same, same] }]));
    await feed(s, 'USER bob');
    await feed(s, 'PASS hungry');
    const [, one, two] = (await feed(s, 'UIDL')).split('\r\n');
    expect(one!.split(' ')[1]).not.toBe(two!.split(' ')[1]);
  });

  it('TOP sends the headers, the blank line and at most n body lines', async () => {
    const s = await bobSession();
    const top = await feed(s, 'TOP 1 1');
    expect(top).toBe(
      '+OK top of message follows\r\nFrom: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\n' +
        'Subject: Lunch on Friday?\r\nDate: Mon, 02 Mar 2026 09:15:00 +0000\r\nMessage-ID: <lunch-1@example.org>\r\n' +
        '\r\nHi Bob,\r\n.\r\n',
    );
  });
});
