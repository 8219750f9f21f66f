/** The server over real sockets on 127.0.0.1, port 0: the seed dialogue, pipelining, message bytes. */
import { afterEach, describe, expect, it } from 'vitest';
import { demoUsers } from '../../src/server/demoMailbox.js';
import { MemoryStore } from '../../src/server/memoryStore.js';
import { b64, Harness, type RawClient, unstuff } from './helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());

describe('the seed dialogue', () => {
  it('bob lists 498 and 912, retrieves message 1 exactly, deletes it, and the next session shows only 2', async () => {
    const { port } = await h.server();
    const { client, greeting } = await h.open(port);
    expect(greeting).toMatch(/^\+OK .*<\d+\.\d+\.\d+@[^>]+>$/);
    expect(await client.command('user bob')).toMatch(/^\+OK/);
    expect(await client.command('pass hungry')).toMatch(/^\+OK/);
    expect(await client.lines('list')).toEqual(['1 498', '2 912']);
    const uidOf2 = (await client.command('uidl 2')).split(' ')[2];
    const retr = await client.multi('retr 1');
    expect(retr.status).toBe('+OK 498 octets');
    expect(retr.body.equals(demoUsers()[0]!.messages[0]!)).toBe(true);
    expect(await client.command('dele 1')).toMatch(/^\+OK/);
    expect(await client.command('retr 1')).toMatch(/^-ERR/);
    expect(await client.command('quit')).toMatch(/^\+OK .*\(1 message deleted\)/);
    await client.untilClosed();

    // A new session numbers what is left from 1 (RFC 1939 §5): the old message 2, same UID.
    const next = await h.loggedIn(port);
    expect(await next.lines('LIST')).toEqual(['1 912']);
    expect(await next.command('STAT')).toBe('+OK 1 912');
    expect(await next.command('UIDL 1')).toBe(`+OK 1 ${uidOf2}`);
  });

  it('a dropped connection after DELE removes nothing', async () => {
    const { port } = await h.server();
    const first = await h.loggedIn(port);
    expect(await first.command('DELE 1')).toMatch(/^\+OK/);
    expect(await first.command('DELE 2')).toMatch(/^\+OK/);
    first.destroy();
    await first.closed;
    // The lock is released once the server has seen the drop; then the maildrop is whole.
    const next = await h.eventuallyLoggedIn(port);
    expect(await next.lines('LIST')).toEqual(['1 498', '2 912']);
  });

  it('RSET unmarks, so QUIT removes nothing', async () => {
    const { port } = await h.server();
    const client = await h.loggedIn(port);
    await client.command('DELE 2');
    expect(await client.command('STAT')).toBe('+OK 1 498');
    expect(await client.command('RSET')).toMatch(/^\+OK/);
    expect(await client.command('QUIT')).toMatch(/0 messages deleted/);
    await client.untilClosed();
    expect(await (await h.loggedIn(port)).lines('LIST')).toEqual(['1 498', '2 912']);
  });
});

describe('pipelining (RFC 2449 §6.6)', () => {
  const script = [
    'CAPA',
    'USER bob',
    'PASS hungry',
    'STAT',
    'LIST',
    'UIDL',
    'RETR 1',
    'TOP 2 3',
    'DELE 1',
    'LIST 1',
    'LIST',
    'RSET',
    'NOOP',
    'BOGUS',
    'RETR 2',
    'QUIT',
  ]
    .map((l) => `${l}\r\n`)
    .join('');

  /** Everything after the greeting (whose timestamp differs per connection). */
  async function transcript(port: number, send: (c: RawClient) => Promise<void>): Promise<string> {
    const { client } = await h.open(port);
    await send(client);
    return (await client.untilClosed()).toString('latin1');
  }

  it('answers all commands sent in one write, in order, and the same input sent byte by byte identically', async () => {
    const { port } = await h.server();
    const whole = await transcript(port, async (c) => c.write(script));
    const bytewise = await transcript(port, async (c) => {
      for (const byte of Buffer.from(script)) {
        c.write(Buffer.from([byte]));
        await new Promise((r) => setImmediate(r));
      }
    });
    expect(bytewise).toBe(whole);
    // Order: every reply where its command put it.
    const statusLines = whole.split('\r\n').filter((l) => /^(\+OK|-ERR)/.test(l));
    expect(statusLines[3]).toBe('+OK 2 1410');
    expect(statusLines[9]).toBe('-ERR message 1 already marked for deletion');
    expect(statusLines[13]).toMatch(/^-ERR unknown command BOGUS/);
    expect(statusLines[14]).toBe('+OK 912 octets');
    expect(statusLines[15]).toMatch(/^\+OK .*0 messages deleted/);
    expect(statusLines).toHaveLength(16);
    expect(whole).toContain(demoUsers()[0]!.messages[0]!.toString('latin1'));
  });

  it('an AUTH exchange in a pipeline is lock-step: the next line is the SASL response', async () => {
    const { port } = await h.server();
    const { client } = await h.open(port);
    client.write(`AUTH PLAIN\r\n${b64('\0bob\0hungry')}\r\nSTAT\r\nQUIT\r\n`);
    expect(await client.line()).toBe('+ ');
    expect(await client.line()).toMatch(/^\+OK bob has 2 messages/);
    expect(await client.line()).toBe('+OK 2 1410');
    expect(await client.line()).toMatch(/^\+OK/);
  });

  it('answers commands sent before a half-close, then closes', async () => {
    const { port } = await h.server();
    const { client } = await h.open(port);
    client.socket.end('USER bob\r\nPASS hungry\r\nDELE 1\r\nSTAT\r\n');
    const rest = (await client.untilClosed()).toString();
    expect(rest).toMatch(/\+OK 1 912\r\n$/);
    // No QUIT: nothing removed.
    expect(await (await h.eventuallyLoggedIn(port)).command('STAT')).toBe('+OK 2 1410');
  });
});

describe('message content on the wire', () => {
  it("alice's dot lines are stuffed on the wire and round-trip exactly", async () => {
    const { port } = await h.server();
    const client = await h.loggedIn(port, 'alice', 'wonderland');
    client.write('RETR 1\r\n');
    expect(await client.line()).toMatch(/^\+OK/);
    const raw = await client.rawBody();
    expect(raw.toString()).toContain('\r\n..hidden line\r\n...two dots\r\n..\r\nand the client');
    expect(unstuff(raw).equals(demoUsers()[1]!.messages[0]!)).toBe(true);
  });

  it('LIST sizes equal the unstuffed RETR bodies for every message, the large one included', async () => {
    const { port } = await h.server();
    const client = await h.loggedIn(port, 'alice', 'wonderland');
    const sizes = (await client.lines('LIST')).map((l) => Number(l.split(' ')[1]));
    expect(sizes[2]).toBeGreaterThan(150_000);
    for (const [i, size] of sizes.entries()) {
      const { body } = await client.multi(`RETR ${i + 1}`);
      expect(body.length).toBe(size);
      expect(body.equals(demoUsers()[1]!.messages[i]!)).toBe(true);
    }
  });

  it('TOP gives headers, the blank line and at most n body lines', async () => {
    const { port } = await h.server();
    const client = await h.loggedIn(port, 'alice', 'wonderland');
    const { body } = await client.multi('TOP 1 2');
    expect(body.toString()).toBe(
      'From: White Rabbit <rabbit@example.org>\r\nTo: Alice <alice@example.org>\r\n' +
        'Subject: Lines that start with a dot\r\nDate: Wed, 04 Mar 2026 08:00:00 +0000\r\n\r\n' +
        'The server must stuff each of the next lines with one more dot:\r\n.hidden line\r\n',
    );
    const zero = await client.multi('TOP 3 0');
    expect(zero.body.toString()).toMatch(/^From: Library.*\r\n\r\n$/s);
  });

  it('UIDs are stable across sessions and across servers', async () => {
    const a = await h.server();
    const b = await h.server();
    const first = await (await h.loggedIn(a.port)).lines('UIDL');
    const again = await (await h.loggedIn(b.port)).lines('UIDL');
    expect(first).toHaveLength(2);
    expect(again).toEqual(first);
    const client = await h.loggedIn(a.port, 'alice', 'wonderland');
    expect(await client.command('UIDL 2')).toBe(`+OK 2 ${(await client.lines('UIDL'))[1]!.split(' ')[1]}`);
  });

  it('streams a large RETR only as fast as the client reads it (backpressure)', async () => {
    const line = 'abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxy\r\n';
    const big = Buffer.alloc(line.length * 800_000, line);
    const inner = new MemoryStore([{ name: 'big', password: 'pw', messages: [big] }]);
    let pulled = 0;
    const store = {
      ...inner,
      description: inner.description,
      userNames: () => inner.userNames(),
      password: (u: string) => inner.password(u),
      async openMaildrop(user: string) {
        const drop = await inner.openMaildrop(user);
        if (drop === 'in-use') return drop;
        return {
          ...drop,
          async stream(index: number) {
            const source = await drop.stream(index);
            return (async function* () {
              for await (const chunk of source) {
                pulled += chunk.length;
                yield chunk;
              }
            })();
          },
        };
      },
    };
    const { port } = await h.server({ store });
    const client = await h.loggedIn(port, 'big', 'pw');
    client.socket.pause();
    client.write('RETR 1\r\n');
    await new Promise((r) => setTimeout(r, 500));
    // Kernel buffers and the socket's high-water mark hold a few MB at most, never the whole message.
    expect(pulled).toBeGreaterThan(0);
    expect(pulled).toBeLessThan(24 * 1024 * 1024);
    client.socket.resume();
    expect(await client.line()).toBe(`+OK ${big.length} octets`);
    expect(await client.bodyLength()).toBe(big.length + 3);
    expect(pulled).toBe(big.length);
  });
});
