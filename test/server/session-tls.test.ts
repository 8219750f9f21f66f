/** STLS and CAPA's STLS line in the sans-IO session (RFC 2595 §4): when it is offered, accepted, refused. */
import { describe, expect, it } from 'vitest';
import type { CommandLine } from '../../src/server/framer.js';
import { feed, newSession } from './helpers.js';

const line = (text: string): CommandLine => ({ text, octets: Buffer.byteLength(text) + 2, tooLong: false });

async function capa(session: ReturnType<typeof newSession>): Promise<string[]> {
  const text = await feed(session, 'CAPA');
  expect(text).toMatch(/^\+OK .*\r\n[\s\S]*\r\n\.\r\n$/);
  return text.split('\r\n').slice(1, -2);
}

const stlsSession = () => newSession(undefined, { tls: 'stls' });

describe('STLS without a certificate', () => {
  it('is neither advertised nor accepted', async () => {
    const s = newSession();
    expect(await capa(s)).not.toContain('STLS');
    const reply = await s.handle(line('STLS'));
    expect(reply?.head.toString()).toBe('-ERR STLS not available: this server has no TLS certificate\r\n');
    expect(reply?.startTls).toBeUndefined();
    expect(s.secure).toBe(false);
  });
});

describe('STLS with a certificate', () => {
  it('is advertised before TLS, answered "+OK Begin TLS negotiation" with the upgrade flag, then gone', async () => {
    const s = stlsSession();
    expect(s.secure).toBe(false);
    const before = await capa(s);
    expect(before).toContain('STLS');
    expect(before).toContain('USER');
    const reply = await s.handle(line('stls'));
    expect(reply?.head.toString()).toBe('+OK Begin TLS negotiation\r\n');
    expect(reply?.startTls).toBe(true);
    expect(reply?.close).toBeUndefined();
    expect(s.secure).toBe(true);
    expect(s.phase).toBe('AUTHORIZATION');
    const after = await capa(s);
    expect(after).not.toContain('STLS');
    // Everything else is still offered after the upgrade.
    expect(after).toEqual(before.filter((c) => c !== 'STLS'));
  });

  it('a second STLS is refused: already TLS', async () => {
    const s = stlsSession();
    await s.handle(line('STLS'));
    const again = await s.handle(line('STLS'));
    expect(again?.head.toString()).toBe('-ERR already using TLS\r\n');
    expect(again?.startTls).toBeUndefined();
  });

  it('takes no arguments', async () => {
    const s = stlsSession();
    expect(await feed(s, 'STLS now')).toBe('-ERR STLS takes 0 arguments, got 1\r\n');
    expect(s.secure).toBe(false);
  });

  it('forgets a USER given before it: PASS after STLS is refused', async () => {
    const s = stlsSession();
    expect(await feed(s, 'USER bob')).toMatch(/^\+OK/);
    expect(await feed(s, 'STLS')).toBe('+OK Begin TLS negotiation\r\n');
    expect(await feed(s, 'PASS hungry')).toBe('-ERR PASS must follow a successful USER\r\n');
    expect(await feed(s, 'USER bob')).toMatch(/^\+OK/);
    expect(await feed(s, 'PASS hungry')).toMatch(/^\+OK bob has 2 messages/);
  });

  it('is refused in TRANSACTION and not advertised there', async () => {
    const s = stlsSession();
    await feed(s, 'USER bob');
    expect(await feed(s, 'PASS hungry')).toMatch(/^\+OK/);
    expect(await capa(s)).not.toContain('STLS');
    const reply = await s.handle(line('STLS'));
    expect(reply?.head.toString()).toBe('-ERR STLS is not valid after login\r\n');
    expect(reply?.startTls).toBeUndefined();
    expect(s.secure).toBe(false);
  });

  it('during an AUTH exchange the line "STLS" is a SASL response, not a command', async () => {
    const s = stlsSession();
    expect(await feed(s, 'AUTH PLAIN')).toBe('+ \r\n');
    const reply = await s.handle(line('STLS'));
    expect(reply?.startTls).toBeUndefined();
    expect(reply?.head.toString()).toMatch(/^-ERR/);
    expect(s.secure).toBe(false);
  });
});

describe('implicit TLS', () => {
  it('is TLS from the start: STLS is never advertised and always refused', async () => {
    const s = newSession(undefined, { tls: 'implicit' });
    expect(s.secure).toBe(true);
    expect(await capa(s)).not.toContain('STLS');
    expect(await feed(s, 'STLS')).toBe('-ERR already using TLS\r\n');
  });
});
