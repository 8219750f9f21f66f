/**
 * STLS (RFC 2595 §4) and implicit TLS on real sockets: a raw cleartext POP3 client that upgrades with
 * tls.connect({ socket }) and verifies the server against a CA made for the test. The injection tests send
 * commands behind STLS in the same write (the CVE-2011-0411 class) and check that none of them is ever
 * executed: after the handshake the server must act as if they were never sent.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DemoUser, demoUsers } from '../../src/server/demoMailbox.js';
import { SERVER_CLOSE_GRACE_MS, SERVER_MAX_QUEUED_COMMANDS } from '../../src/server/limits.js';
import { MemoryStore } from '../../src/server/memoryStore.js';
import { startServer } from '../../src/server/server.js';
import type { MailStore } from '../../src/server/store.js';
import { CertificateAuthority } from '../../src/tls/ca.js';
import { eventually, Harness, RawClient } from './helpers.js';

const [bob, alice] = demoUsers() as [DemoUser, DemoUser];
const h = new Harness();
afterEach(() => h.cleanup());

let ca: CertificateAuthority;
let tls: { cert: string; key: string };
/** How the test client verifies the server: our CA only, and the name the leaf is for. */
let trust: { ca: string; servername: string };

beforeAll(async () => {
  ca = await CertificateAuthority.create();
  const leaf = await ca.leaf(['localhost', '127.0.0.1']);
  tls = { cert: leaf.certPem, key: leaf.keyPem };
  trust = { ca: ca.certPem, servername: 'localhost' };
});

/** Opens a cleartext session, sends STLS, and returns the TLS client once the handshake is verified. */
async function upgraded(port: number): Promise<RawClient> {
  const { client } = await h.open(port);
  expect(await client.command('STLS')).toBe('+OK Begin TLS negotiation');
  const secure = await h.startTls(client, trust);
  expect(secure.tls.authorized).toBe(true);
  return secure;
}

describe('STLS', () => {
  it('CAPA lists STLS before TLS and not after; login and RETR over TLS are byte-exact', async () => {
    const { server, port } = await h.server({ tls });
    expect(server.tls).toBe('stls');
    const { client, greeting } = await h.open(port);
    expect(greeting).toMatch(/^\+OK pop3scope ready <[^>]+>$/);
    const before = await client.lines('CAPA');
    expect(before).toContain('STLS');
    expect(await client.command('STLS')).toBe('+OK Begin TLS negotiation');
    const secure = await h.startTls(client, trust);
    expect(secure.tls.authorized).toBe(true);
    expect(secure.tls.getProtocol()).toMatch(/^TLSv1\.[23]$/);
    const after = await secure.lines('CAPA');
    expect(after).not.toContain('STLS');
    expect(after).toEqual(before.filter((c) => c !== 'STLS'));
    expect(await secure.login('bob', 'hungry')).toBe('+OK bob has 2 messages (1410 octets)');
    for (const [i, message] of bob.messages.entries()) {
      const retr = await secure.multi(`RETR ${i + 1}`);
      expect(retr.status).toBe(`+OK ${message.length} octets`);
      expect(retr.body.equals(message)).toBe(true);
    }
    expect(await secure.command('QUIT')).toMatch(/^\+OK pop3scope signing off/);
    expect((await secure.untilClosed()).length).toBe(0);
  });

  it("alice's ~180 KB message arrives byte-exact through TLS (backpressure on the TLS socket)", async () => {
    const { port } = await h.server({ tls });
    const secure = await upgraded(port);
    expect(await secure.login('alice', 'wonderland')).toMatch(/^\+OK alice has/);
    const largest = alice.messages.reduce((a, b) => (b.length > a.length ? b : a));
    expect(largest.length).toBeGreaterThan(150_000);
    const n = alice.messages.indexOf(largest) + 1;
    const retr = await secure.multi(`RETR ${n}`);
    expect(retr.body.equals(largest)).toBe(true);
    expect(await secure.command('NOOP')).toBe('+OK');
  });

  it('a second STLS is refused (already TLS) and the TLS session goes on', async () => {
    const { port } = await h.server({ tls });
    const secure = await upgraded(port);
    expect(await secure.command('STLS')).toBe('-ERR already using TLS');
    expect(await secure.login('bob', 'hungry')).toMatch(/^\+OK/);
    expect(await secure.command('STAT')).toBe('+OK 2 1410');
  });

  it('STLS after login is refused and the session stays cleartext', async () => {
    const { port } = await h.server({ tls });
    const client = await h.loggedIn(port);
    expect(await client.lines('CAPA')).not.toContain('STLS');
    expect(await client.command('STLS')).toBe('-ERR STLS is not valid after login');
    expect(await client.command('STAT')).toBe('+OK 2 1410');
  });

  it('without a certificate STLS is not advertised and is refused; the session goes on', async () => {
    const { server, port } = await h.server();
    expect(server.tls).toBe('none');
    const { client } = await h.open(port);
    expect(await client.lines('CAPA')).not.toContain('STLS');
    expect(await client.command('STLS')).toBe('-ERR STLS not available: this server has no TLS certificate');
    expect(await client.login('bob', 'hungry')).toMatch(/^\+OK/);
  });

  it('the server presents the given certificate: a client trusting another CA fails the handshake', async () => {
    const { port } = await h.server({ tls });
    const { client } = await h.open(port);
    expect(await client.command('STLS')).toBe('+OK Begin TLS negotiation');
    const other = await CertificateAuthority.create();
    await expect(client.startTls({ ca: other.certPem, servername: 'localhost' })).rejects.toThrow(
      /certificate/i,
    );
  });
});

describe('STLS injection (CVE-2011-0411): cleartext behind STLS is never executed', () => {
  it('"STLS\\r\\nUSER bob\\r\\n" in one write: after TLS, PASS gets -ERR as PASS without USER', async () => {
    const { port } = await h.server({ tls });
    const { client } = await h.open(port);
    client.write('STLS\r\nUSER bob\r\n');
    expect(await client.line()).toBe('+OK Begin TLS negotiation');
    const secure = await h.startTls(client, trust);
    // Had USER bob been queued, its "+OK send PASS" would come first here, and PASS would log in.
    expect(await secure.command('PASS hungry')).toBe('-ERR PASS must follow a successful USER');
    expect(await secure.login('bob', 'hungry')).toMatch(/^\+OK bob has 2 messages/);
  });

  it('a whole injected login with RETR behind STLS: none of it runs, nothing leaks into TLS', async () => {
    const { port } = await h.server({ tls });
    const { client } = await h.open(port);
    client.write('CAPA\r\nSTLS\r\nUSER bob\r\nPASS hungry\r\nRETR 1\r\nDELE 1\r\nQUIT\r\n');
    // The line before STLS is answered as usual, in cleartext.
    expect(await client.line()).toBe('+OK capability list follows');
    expect((await client.rawBody()).toString()).toContain('STLS\r\n');
    expect(await client.line()).toBe('+OK Begin TLS negotiation');
    const secure = await h.startTls(client, trust);
    // Not logged in: PASS, RETR, DELE and QUIT above never ran; the connection is still open.
    expect(await secure.command('STAT')).toBe('-ERR STAT is not valid before login');
    expect(await secure.login('bob', 'hungry')).toBe('+OK bob has 2 messages (1410 octets)');
    expect(await secure.command('STAT')).toBe('+OK 2 1410');
  });

  it('an unfinished line behind STLS is dropped too: its end after TLS is a line of its own', async () => {
    const { port } = await h.server({ tls });
    const { client } = await h.open(port);
    client.write('STLS\r\nUSER bo');
    expect(await client.line()).toBe('+OK Begin TLS negotiation');
    const secure = await h.startTls(client, trust);
    // Kept, "USER bo" + "b" would be USER bob, and the PASS below would log in.
    expect(await secure.command('b')).toBe('-ERR unknown command B');
    expect(await secure.command('PASS hungry')).toBe('-ERR PASS must follow a successful USER');
  });

  it('bytes that arrived while reading was paused (queue full) are discarded too, and TLS still works', async () => {
    // PASS hangs on the store until `open()`, then fails, so the session stays in AUTHORIZATION; meanwhile the
    // NOOPs fill the queue, reading pauses, and the late USER bob waits in the socket's own buffer.
    const base = new MemoryStore(demoUsers());
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let attempts = 0;
    const store: MailStore = {
      description: base.description,
      userNames: () => base.userNames(),
      password: (user) => base.password(user),
      async openMaildrop(user) {
        if (attempts++ > 0) return base.openMaildrop(user);
        await gate;
        throw new Error('store unavailable');
      },
    };
    const { port } = await h.server({ tls, store });
    const { client } = await h.open(port);
    client.write(`USER bob\r\nPASS hungry\r\nSTLS\r\n${'NOOP\r\n'.repeat(SERVER_MAX_QUEUED_COMMANDS + 100)}`);
    expect(await client.line()).toBe('+OK send PASS');
    await new Promise((r) => setTimeout(r, 100));
    client.write('USER bob\r\n');
    await new Promise((r) => setTimeout(r, 100));
    open();
    expect(await client.line()).toBe('-ERR [SYS/TEMP] cannot open maildrop');
    expect(await client.line()).toBe('+OK Begin TLS negotiation');
    const secure = await h.startTls(client, trust);
    expect(await secure.command('PASS hungry')).toBe('-ERR PASS must follow a successful USER');
    expect(await secure.login('bob', 'hungry')).toBe('+OK bob has 2 messages (1410 octets)');
  });

  it('logs how many cleartext octets it discarded', async () => {
    let output = '';
    const sink = new Writable({
      write(chunk, _e, done) {
        output += chunk.toString();
        done();
      },
    });
    const { port } = await h.server({ tls, logger: pino({ level: 'info' }, sink) });
    const { client } = await h.open(port);
    client.write('STLS\r\nUSER bob\r\nPASS hungry\r\nNOO');
    expect(await client.line()).toBe('+OK Begin TLS negotiation');
    const secure = await h.startTls(client, trust);
    expect(await secure.command('CAPA')).toMatch(/^\+OK/);
    await eventually(() => output.includes('TLS established'), 'the handshake is logged');
    const discarded = output
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; octets?: number })
      .find((r) => r.msg.startsWith('STLS: discarded'));
    expect(discarded?.octets).toBe('USER bob\r\nPASS hungry\r\nNOO'.length);
    expect(output).not.toContain('hungry');
  });

  it('a client that answers +OK with cleartext instead of a handshake is cut off, and nothing is executed', async () => {
    const { server, port } = await h.server({ tls });
    const { client } = await h.open(port);
    expect(await client.command('STLS')).toBe('+OK Begin TLS negotiation');
    client.write('USER bob\r\nPASS hungry\r\n');
    const rest = await client.untilClosed();
    expect(rest.toString('latin1')).not.toContain('+OK');
    await eventually(() => server.sessionCount() === 0, 'the session ended');
    // bob was never logged in, so nothing holds his maildrop.
    expect(await (await h.loggedIn(port)).command('STAT')).toBe('+OK 2 1410');
  });
});

describe('TLS session lifecycle', () => {
  it('the idle timer runs on the TLS socket: activity keeps the session, silence ends it with -ERR inside TLS', async () => {
    const { port } = await h.server({ tls, idleTimeoutMs: 300 });
    const secure = await upgraded(port);
    const until = Date.now() + 900;
    while (Date.now() < until) {
      expect(await secure.lines('CAPA')).toContain('USER');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await secure.untilClosed()).toString()).toBe('-ERR idle timeout, closing connection\r\n');
  });

  it('a client that never starts the handshake after STLS is timed out with no cleartext goodbye', async () => {
    const { server, port } = await h.server({ tls, idleTimeoutMs: 200 });
    const { client } = await h.open(port);
    expect(await client.command('STLS')).toBe('+OK Begin TLS negotiation');
    expect((await client.untilClosed()).length).toBe(0);
    await eventually(() => server.sessionCount() === 0, 'the session ended');
  });

  it('close() says goodbye inside TLS, and does not wait for a stalled handshake', async () => {
    const { server, port } = await h.server({ tls });
    const secure = await upgraded(port);
    expect(await secure.login('bob', 'hungry')).toMatch(/^\+OK/);
    const { client: stalled } = await h.open(port);
    expect(await stalled.command('STLS')).toBe('+OK Begin TLS negotiation');
    const started = Date.now();
    await server.close();
    // A goodbye line queued into the unfinished handshake would hold close() for the whole grace period.
    expect(Date.now() - started).toBeLessThan(SERVER_CLOSE_GRACE_MS / 2);
    expect((await secure.untilClosed()).toString()).toBe('-ERR [SYS/TEMP] server shutting down\r\n');
    expect((await stalled.untilClosed()).length).toBe(0);
  });
});

describe('implicit TLS (POP3S)', () => {
  it('greets inside TLS, never offers or accepts STLS, and serves RETR byte-exact', async () => {
    const { server, port } = await h.server({ tls, implicitTls: true });
    expect(server.tls).toBe('implicit');
    const { client, greeting } = await h.openTls(port, trust);
    expect(client.tls.authorized).toBe(true);
    expect(greeting).toMatch(/^\+OK pop3scope ready <[^>]+>$/);
    const capa = await client.lines('CAPA');
    expect(capa).not.toContain('STLS');
    expect(capa).toContain('USER');
    expect(await client.command('STLS')).toBe('-ERR already using TLS');
    expect(await client.login('bob', 'hungry')).toBe('+OK bob has 2 messages (1410 octets)');
    const retr = await client.multi('RETR 2');
    expect(retr.body.equals(bob.messages[1]!)).toBe(true);
    expect(await client.command('QUIT')).toMatch(/^\+OK/);
    await client.untilClosed();
  });

  it('a cleartext client gets no POP3 at all', async () => {
    const { server, port } = await h.server({ tls, implicitTls: true });
    const client = await h.connect(port);
    client.write('CAPA\r\nUSER bob\r\n');
    const rest = (await client.untilClosed()).toString('latin1');
    expect(rest).not.toContain('+OK');
    expect(rest).not.toContain('-ERR');
    await eventually(() => server.sessionCount() === 0, 'the session ended');
  });

  it('over maxSessions the refusal comes inside TLS', async () => {
    const { port } = await h.server({ tls, implicitTls: true, maxSessions: 1 });
    await h.openTls(port, trust);
    const third = await RawClient.connectTls(port, trust);
    expect(await third.line()).toBe('-ERR [SYS/TEMP] too many sessions');
    third.destroy();
  });
});

describe('TLS options', () => {
  it('implicitTls needs a certificate', async () => {
    await expect(startServer({ port: 0, implicitTls: true })).rejects.toThrow(/implicitTls needs tls/);
  });

  it('an empty or garbage certificate is refused at start', async () => {
    await expect(startServer({ port: 0, tls: { cert: '', key: tls.key } })).rejects.toThrow(
      /^unusable TLS certificate: /,
    );
    await expect(startServer({ port: 0, tls: { cert: tls.key, key: tls.key } })).rejects.toThrow(
      /^unusable TLS certificate: /,
    );
  });

  it('a key that is not the certificate’s is refused at start', async () => {
    const other = await ca.leaf(['example.test']);
    await expect(startServer({ port: 0, tls: { cert: tls.cert, key: other.keyPem } })).rejects.toThrow(
      /^unusable TLS certificate or key: .*key values mismatch/,
    );
  });
});
