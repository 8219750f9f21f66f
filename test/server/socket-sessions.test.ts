/** The server over real sockets on 127.0.0.1, port 0: logins, locking, limits and shutdown. */
import { createHash, createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { demoUsers } from '../../src/server/demoMailbox.js';
import { MemoryStore } from '../../src/server/memoryStore.js';
import { b64, eventually, Harness, RawClient } from './helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());

describe('logins over the wire', () => {
  it('APOP with the right digest logs in; a wrong digest fails with [AUTH]', async () => {
    const { port } = await h.server();
    const { client, greeting } = await h.open(port);
    const timestamp = /<[^>]+>/.exec(greeting)![0];
    const digest = (secret: string) =>
      createHash('md5')
        .update(timestamp + secret)
        .digest('hex');
    expect(await client.command(`APOP bob ${digest('starving')}`)).toMatch(/^-ERR \[AUTH\]/);
    expect(await client.command(`APOP bob ${digest('hungry')}`)).toMatch(/^\+OK bob has 2/);
  });

  it('every greeting carries a different timestamp', async () => {
    const { port } = await h.server();
    const a = (await h.open(port)).greeting;
    const b = (await h.open(port)).greeting;
    expect(a).not.toBe(b);
  });

  it('AUTH PLAIN, LOGIN and CRAM-MD5, with and without initial response, and * cancels', async () => {
    const { port } = await h.server();
    const tries: Array<[string, (c: RawClient) => Promise<string>]> = [
      ['PLAIN with IR', (c) => c.command(`AUTH PLAIN ${b64('\0bob\0hungry')}`)],
      [
        'PLAIN without IR',
        async (c) => {
          expect(await c.command('AUTH PLAIN')).toBe('+ ');
          return c.command(b64('\0bob\0hungry'));
        },
      ],
      [
        'LOGIN with IR',
        async (c) => {
          expect(await c.command(`AUTH LOGIN ${b64('bob')}`)).toBe(`+ ${b64('Password:')}`);
          return c.command(b64('hungry'));
        },
      ],
      [
        'LOGIN without IR',
        async (c) => {
          expect(await c.command('AUTH LOGIN')).toBe(`+ ${b64('Username:')}`);
          expect(await c.command(b64('bob'))).toBe(`+ ${b64('Password:')}`);
          return c.command(b64('hungry'));
        },
      ],
      [
        'CRAM-MD5',
        async (c) => {
          const line = await c.command('AUTH CRAM-MD5');
          const challenge = Buffer.from(line.slice(2), 'base64').toString();
          expect(challenge).toMatch(/^<\d+\.\d+@[^>]+>$/);
          return c.command(b64(`bob ${createHmac('md5', 'hungry').update(challenge).digest('hex')}`));
        },
      ],
    ];
    for (const [name, attempt] of tries) {
      const { client } = await h.open(port);
      expect(await attempt(client), name).toMatch(/^\+OK bob has 2 messages/);
      expect(await client.command('QUIT')).toMatch(/^\+OK/);
      await client.untilClosed();
    }

    const { client } = await h.open(port);
    expect(await client.command(`AUTH CRAM-MD5 ${b64('bob x')}`)).toMatch(/^-ERR /);
    expect(await client.command('AUTH CRAM-MD5')).toMatch(/^\+ /);
    expect(await client.command('*')).toBe('-ERR authentication cancelled');
    expect(await client.command(`AUTH PLAIN ${b64('\0bob\0wrong')}`)).toMatch(/^-ERR \[AUTH\]/);
    expect(await client.command('AUTH PLAIN =')).toMatch(/^-ERR \[AUTH\]/);
    expect((await client.lines('AUTH')).join(' ')).toBe('PLAIN LOGIN CRAM-MD5');
    expect(await client.login('bob', 'hungry')).toMatch(/^\+OK/);
  });

  it('a second session for the same maildrop gets [IN-USE] until the first ends', async () => {
    const { port } = await h.server();
    const first = await h.loggedIn(port);
    const { client: second } = await h.open(port);
    expect(await second.login('bob', 'hungry')).toMatch(/^-ERR \[IN-USE\] /);
    expect(await second.login('bob', 'nope')).toMatch(/^-ERR \[AUTH\] /);
    // Another user is not affected.
    expect(await second.login('alice', 'wonderland')).toMatch(/^\+OK/);
    await first.command('QUIT');
    await first.untilClosed();
    expect(await (await h.eventuallyLoggedIn(port)).command('STAT')).toBe('+OK 2 1410');
  });
});

describe('limits and lifecycle', () => {
  it('an overlong line gets one -ERR when it ends, and the session goes on', async () => {
    const { port } = await h.server();
    const client = await h.loggedIn(port);
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    client.write('NOOP ');
    for (let i = 0; i < 32; i++) client.write(chunk);
    client.write('\r\nSTAT\r\n');
    expect(await client.line()).toMatch(/^-ERR line too long/);
    expect(await client.line()).toBe('+OK 2 1410');
  });

  it('closes an idle session without UPDATE', async () => {
    const store = new MemoryStore(demoUsers());
    const { port } = await h.server({ store, idleTimeoutMs: 200 });
    const client = await h.loggedIn(port);
    await client.command('DELE 1');
    const started = Date.now();
    const rest = (await client.untilClosed()).toString();
    expect(rest).toBe('-ERR idle timeout, closing connection\r\n');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(await (await h.eventuallyLoggedIn(port)).command('STAT')).toBe('+OK 2 1410');
  });

  it('refuses connections over maxSessions with [SYS/TEMP], and accepts again when one ends', async () => {
    const { server: s, port } = await h.server({ maxSessions: 2 });
    const a = await h.open(port);
    await h.open(port);
    const third = await h.connect(port);
    expect(await third.line()).toBe('-ERR [SYS/TEMP] too many sessions');
    await third.untilClosed();
    expect(s.sessionCount()).toBe(2);
    await a.client.command('QUIT');
    await eventually(() => s.sessionCount() === 1, 'a session ended');
    expect((await h.open(port)).greeting).toMatch(/^\+OK/);
  });

  it('close() ends sessions without UPDATE, stops accepting, and resolves', async () => {
    const store = new MemoryStore(demoUsers());
    const { server: s, port } = await h.server({ store });
    const client = await h.loggedIn(port);
    await client.command('DELE 1');
    await s.close();
    expect((await client.untilClosed()).toString()).toBe('-ERR [SYS/TEMP] server shutting down\r\n');
    await expect(RawClient.connect(port)).rejects.toThrow();
    const again = await h.server({ store });
    expect(await (await h.loggedIn(again.port)).command('STAT')).toBe('+OK 2 1410');
  });
});
