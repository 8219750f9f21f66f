/**
 * The demo clients' connection: whole responses (status line, or status line and body), a machine's own
 * loopback address where the system has it, and the default address where it does not (macOS: only 127.0.0.1).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Pop3Connection } from '../../src/demo/connection.js';
import { canListen } from '../../src/listen.js';
import { type RunningServer, startServer } from '../../src/server/server.js';

describe('Pop3Connection', () => {
  let server: RunningServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('reads the greeting, single-line and multi-line responses whole', async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, demo: true });
    const c = await Pop3Connection.open('127.0.0.1', server.address().port);
    expect(c.greeting).toMatch(/^\+OK /);
    expect((await c.command('USER bob', false)).ok).toBe(true);
    expect((await c.command('PASS hungry', false)).status).toBe('+OK bob has 2 messages (1410 octets)');
    expect(await c.command('LIST', true)).toEqual({
      status: '+OK 2 messages (1410 octets)',
      body: ['1 498', '2 912'],
      ok: true,
    });
    expect(await c.command('RETR 9', true)).toEqual({
      status: '-ERR no such message, only 2 in maildrop',
      body: [],
      ok: false,
    });
    expect((await c.command('QUIT', false)).status).toMatch(/^\+OK pop3scope signing off/);
    c.end();
  });

  it('an address this system cannot send from falls back to the default one', async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, demo: true });
    // 192.0.2.1 (TEST-NET-1, RFC 5737) is on no interface of a test machine.
    expect(await canListen('192.0.2.1')).toBe(false);
    const c = await Pop3Connection.open('127.0.0.1', server.address().port, '192.0.2.1');
    expect(c.from).toBe('127.0.0.1');
    c.drop();
    if (await canListen('127.0.0.3')) {
      const own = await Pop3Connection.open('127.0.0.1', server.address().port, '127.0.0.3');
      expect(own.from).toBe('127.0.0.3');
      own.drop();
    }
  });
});
