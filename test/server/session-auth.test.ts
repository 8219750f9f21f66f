/** The sans-IO session, lines in and reply bytes out: logins by USER/PASS, APOP and AUTH. */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { demoUsers } from '../../src/server/demoMailbox.js';
import { MemoryStore } from '../../src/server/memoryStore.js';
import type { MailStore } from '../../src/server/store.js';
import { b64, bobSession, CHALLENGE, feed, newSession, TIMESTAMP } from './helpers.js';

describe('AUTHORIZATION', () => {
  it('greets with +OK and the APOP timestamp', () => {
    expect(newSession().greeting().toString()).toBe(`+OK pop3scope ready ${TIMESTAMP}\r\n`);
  });

  it('USER then PASS logs in and reports the maildrop', async () => {
    const s = newSession();
    expect(await feed(s, 'user bob')).toMatch(/^\+OK/);
    expect(await feed(s, 'pass hungry')).toBe('+OK bob has 2 messages (1410 octets)\r\n');
    expect(s.phase).toBe('TRANSACTION');
  });

  it('a wrong password and an unknown user fail alike, with [AUTH]', async () => {
    const s = newSession();
    await feed(s, 'USER bob');
    const wrong = await feed(s, 'PASS starving');
    await feed(s, 'USER mallory');
    const unknown = await feed(s, 'PASS hungry');
    expect(wrong).toBe('-ERR [AUTH] authentication failed\r\n');
    expect(unknown).toBe(wrong);
    expect(s.phase).toBe('AUTHORIZATION');
  });

  it('PASS without USER, or not directly after it, is an error', async () => {
    const s = newSession();
    expect(await feed(s, 'PASS hungry')).toMatch(/^-ERR /);
    await feed(s, 'USER bob');
    await feed(s, 'NOOP');
    expect(await feed(s, 'PASS hungry')).toMatch(/^-ERR /);
    await feed(s, 'USER bob');
    await feed(s, 'PASS wrong');
    // A failed PASS uses up the USER.
    expect(await feed(s, 'PASS hungry')).toMatch(/^-ERR PASS must follow/);
  });

  it('PASS takes the rest of the line, spaces included', async () => {
    const store = new MemoryStore([{ name: 'carol', password: 'open  sesame ', messages: [] }]);
    const s = newSession(store);
    await feed(s, 'USER carol');
    expect(await feed(s, 'PASS open  sesame ')).toMatch(/^\+OK carol has 0 messages/);
  });

  it('APOP accepts the MD5 of timestamp + secret and refuses anything else with [AUTH]', async () => {
    const digest = createHash('md5').update(`${TIMESTAMP}hungry`).digest('hex');
    const wrong = newSession();
    expect(
      await feed(wrong, `APOP bob ${createHash('md5').update(`${TIMESTAMP}starving`).digest('hex')}`),
    ).toMatch(/^-ERR \[AUTH\]/);
    const right = newSession();
    expect(await feed(right, `APOP bob ${digest}`)).toMatch(/^\+OK bob has 2 messages/);
  });

  it('a second login to a locked maildrop gets [IN-USE], a wrong password still [AUTH]', async () => {
    const store = new MemoryStore(demoUsers());
    const first = await bobSession(store);
    const second = newSession(store);
    await feed(second, 'USER bob');
    expect(await feed(second, 'PASS hungry')).toMatch(/^-ERR \[IN-USE\] /);
    await feed(second, 'USER bob');
    expect(await feed(second, 'PASS nope')).toMatch(/^-ERR \[AUTH\] /);
    first.end();
    await feed(second, 'USER bob');
    expect(await feed(second, 'PASS hungry')).toMatch(/^\+OK /);
  });
});

describe('AUTH (RFC 5034)', () => {
  it('bare AUTH lists the mechanisms', async () => {
    expect(await feed(newSession(), 'AUTH')).toBe(
      '+OK supported SASL mechanisms follow\r\nPLAIN\r\nLOGIN\r\nCRAM-MD5\r\n.\r\n',
    );
  });

  it('PLAIN with an initial response', async () => {
    const s = newSession();
    expect(await feed(s, `AUTH PLAIN ${b64('\0bob\0hungry')}`)).toMatch(/^\+OK bob has 2/);
  });

  it('PLAIN without an initial response gets an empty challenge first', async () => {
    const s = newSession();
    expect(await feed(s, 'AUTH PLAIN')).toBe('+ \r\n');
    expect(s.inSasl).toBe(true);
    expect(await feed(s, b64('bob\0bob\0hungry'))).toMatch(/^\+OK /);
  });

  it('PLAIN with "=" (empty initial response) fails with [AUTH]', async () => {
    expect(await feed(newSession(), 'AUTH PLAIN =')).toMatch(/^-ERR \[AUTH\]/);
  });

  it('PLAIN refuses an authzid that is another user', async () => {
    expect(await feed(newSession(), `AUTH PLAIN ${b64('alice\0bob\0hungry')}`)).toMatch(/^-ERR \[AUTH\]/);
  });

  it('LOGIN asks for the user name, then the password', async () => {
    const s = newSession();
    expect(await feed(s, 'AUTH LOGIN')).toBe(`+ ${b64('Username:')}\r\n`);
    expect(await feed(s, b64('bob'))).toBe(`+ ${b64('Password:')}\r\n`);
    expect(await feed(s, b64('hungry'))).toMatch(/^\+OK /);
  });

  it('LOGIN with the user name as initial response asks only for the password', async () => {
    const s = newSession();
    expect(await feed(s, `AUTH LOGIN ${b64('bob')}`)).toBe(`+ ${b64('Password:')}\r\n`);
    expect(await feed(s, b64('wrong'))).toMatch(/^-ERR \[AUTH\]/);
    expect(s.inSasl).toBe(false);
  });

  it('CRAM-MD5 checks HMAC-MD5 of the challenge keyed with the secret', async () => {
    const s = newSession();
    expect(await feed(s, 'AUTH CRAM-MD5')).toBe(`+ ${b64(CHALLENGE)}\r\n`);
    const digest = createHmac('md5', 'hungry').update(CHALLENGE).digest('hex');
    expect(await feed(s, b64(`bob ${digest}`))).toMatch(/^\+OK /);
  });

  it('CRAM-MD5 refuses an initial response: the server speaks first', async () => {
    const s = newSession();
    expect(await feed(s, `AUTH CRAM-MD5 ${b64('bob 0123')}`)).toMatch(/^-ERR /);
    expect(s.inSasl).toBe(false);
  });

  it('"*" cancels the exchange with -ERR and the session goes on', async () => {
    const s = newSession();
    await feed(s, 'AUTH LOGIN');
    expect(await feed(s, '*')).toBe('-ERR authentication cancelled\r\n');
    expect(s.inSasl).toBe(false);
    expect(await feed(s, 'USER bob')).toMatch(/^\+OK/);
  });

  it('invalid base64 ends the exchange with -ERR', async () => {
    const s = newSession();
    await feed(s, 'AUTH PLAIN');
    expect(await feed(s, 'not base64!')).toMatch(/^-ERR /);
    expect(s.inSasl).toBe(false);
  });

  it('an exchange is lock-step: a command word during it is a SASL response', async () => {
    const s = newSession();
    await feed(s, 'AUTH LOGIN');
    // "STAT" is valid base64 (decoding to junk), so it is taken as the user name, not as a command.
    expect(await feed(s, 'STAT')).toBe(`+ ${b64('Password:')}\r\n`);
  });

  it('an unknown mechanism is refused', async () => {
    expect(await feed(newSession(), 'AUTH GSSAPI')).toMatch(/^-ERR unsupported SASL mechanism/);
  });
});

// Regression (issue 13): a session that ended (the client dropped) while its login waited for the store kept
// the maildrop it was then given, locked, with no one left to release it: every later login of that user got
// [IN-USE] until the server restarted. The maildir store opens a maildrop asynchronously, so this happens.
describe('a login whose session ends while the store opens the maildrop', () => {
  /** The demo store, with openMaildrop held until `open()` is called. */
  function slowStore() {
    const inner = new MemoryStore(demoUsers());
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const store: MailStore = {
      description: 'slow',
      userNames: () => inner.userNames(),
      password: (user) => inner.password(user),
      openMaildrop: async (user) => {
        await gate;
        return inner.openMaildrop(user);
      },
    };
    return { store, open: () => open() };
  }

  it.each([
    ['USER/PASS', 'PASS hungry'],
    ['APOP', `APOP bob ${createHash('md5').update(`${TIMESTAMP}hungry`).digest('hex')}`],
  ])(
    '%s: the maildrop is unlocked, the late answer is no +OK, and the session stays ended',
    async (_, login) => {
      const { store, open } = slowStore();
      const s = newSession(store);
      if (login.startsWith('PASS')) await feed(s, 'USER bob');
      const pending = feed(s, login);
      s.end(); // the connection is gone while the store works
      open();
      expect(await pending).not.toMatch(/^\+OK/);
      expect(s.phase).toBe('CLOSED');
      // The maildrop is free: the next session logs in.
      const next = newSession(store);
      await feed(next, 'USER bob');
      expect(await feed(next, 'PASS hungry')).toMatch(/^\+OK bob has 2 messages/);
    },
  );
});
