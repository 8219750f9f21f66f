/** The web view's small guards, as tables: the Host check, the token, Last-Event-ID, the SSE frames. */
import { describe, expect, it } from 'vitest';
import { hostAllowed, parseHostHeader } from '../../src/web/host.js';
import { namedFrame, parseLastEventId, recordFrame } from '../../src/web/sse.js';
import { newToken, tokenMatches } from '../../src/web/token.js';

describe('web/host: the Host header against DNS rebinding', () => {
  it.each([
    ['127.0.0.1:8110', '127.0.0.1', true],
    ['localhost:8110', '127.0.0.1', true],
    ['LocalHost:8110', '127.0.0.1', true],
    ['pop3scope.localhost:8110', '127.0.0.1', true],
    ['[::1]:8110', '127.0.0.1', true],
    ['192.168.1.5:8110', '0.0.0.0', true],
    ['myhost.lan:8110', 'myhost.lan', true],
    ['MYHOST.LAN:8110', 'myhost.lan', true],
    ['myhost.lan:8110', '0.0.0.0', false],
    ['evil.example:8110', '127.0.0.1', false],
    ['localhost.evil.example:8110', '127.0.0.1', false],
    ['127.0.0.1.evil.example:8110', '127.0.0.1', false],
    ['127.0.0.1:8111', '127.0.0.1', false],
    ['127.0.0.1', '127.0.0.1', false],
    ['user@127.0.0.1:8110', '127.0.0.1', false],
    ['', '127.0.0.1', false],
    [undefined, '127.0.0.1', false],
  ])('Host %j on a server asked to listen on %s → %s', (header, listen, ok) => {
    expect(hostAllowed(header, listen, 8110)).toBe(ok);
  });

  it('a Host without a port means port 80', () => {
    expect(hostAllowed('localhost', '127.0.0.1', 80)).toBe(true);
    expect(parseHostHeader('[::1]')).toEqual({ host: '::1', port: null });
    expect(parseHostHeader('a b:1')).toBeNull();
  });
});

describe('web/token', () => {
  it('is 22 base64url characters (128 bits), never the same twice', () => {
    const tokens = new Set(Array.from({ length: 200 }, newToken));
    expect(tokens.size).toBe(200);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('matches only itself: not a prefix, a longer text, another case, or nothing', () => {
    const t = newToken();
    expect(tokenMatches(t, t)).toBe(true);
    for (const wrong of [
      t.slice(0, -1),
      `${t}x`,
      t.toUpperCase() === t ? t.toLowerCase() : t.toUpperCase(),
      '',
      null,
    ])
      expect(tokenMatches(wrong, t)).toBe(false);
  });
});

describe('web/sse: frames and Last-Event-ID', () => {
  it('a record is one data line under its id; a named event has no id', () => {
    expect(recordFrame(7, '{"a":"x\\ny"}')).toBe('id: 7\ndata: {"a":"x\\ny"}\n\n');
    expect(namedFrame('end', {})).toBe('event: end\ndata: {}\n\n');
  });

  it.each([
    ['12', 12],
    [' 12 ', 12],
    ['0', 0],
    ['-1', null],
    ['1e3', null],
    ['12abc', null],
    ['', null],
    [null, null],
    [undefined, null],
    ['9'.repeat(16), null],
  ])('Last-Event-ID %j → %j', (value, id) => {
    expect(parseLastEventId(value)).toBe(id);
  });
});
