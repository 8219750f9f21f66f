/**
 * StlsWatch: where the cleartext of a POP3 stream ends after STLS. The split point must not depend on how the
 * bytes are cut into segments.
 */
import { describe, expect, it } from 'vitest';
import { StlsWatch } from '../../../src/capture/pcap/stlsWatch.js';
import type { StreamDir } from '../../../src/capture/pcap/types.js';
import { cut, SPLITS } from './traceBuild.js';

type Step = readonly [StreamDir, string];

/**
 * Feeds the steps in order, each cut as `how` says; returns how many octets of each direction were cleartext
 * and whether the watch upgraded.
 */
function run(steps: readonly Step[], how: (typeof SPLITS)[number]) {
  const watch = new StlsWatch();
  const clear = { c2s: 0, s2c: 0 };
  for (const [dir, text] of steps)
    for (const chunk of cut(Buffer.from(text, 'latin1'), how)) {
      const n = watch.cleartext(dir, chunk);
      if (n < 0 || n > chunk.length) throw new Error(`cleartext() said ${n} of ${chunk.length} octets`);
      clear[dir] += n;
    }
  return { clear, upgraded: watch.upgraded };
}

/** The same answer whichever way the bytes are cut (and with random cuts of many seeds). */
function sameEverywhere(steps: readonly Step[]) {
  const first = run(steps, 'whole');
  for (const how of [...SPLITS, ...Array.from({ length: 30 }, (_, i) => 1000 + i)])
    expect(run(steps, how)).toEqual(first);
  return first;
}

const TLS = '\x16\x03\x01\x00\x05hello';
const len = (s: string) => Buffer.byteLength(s, 'latin1');

describe('StlsWatch', () => {
  it('splits after the +OK line that answers STLS, however the bytes are cut', () => {
    const greeting = '+OK ready\r\n';
    const capa = '+OK\r\nSTLS\r\nUSER\r\n.\r\n';
    const ok = '+OK Begin TLS negotiation\r\n';
    const r = sameEverywhere([
      ['s2c', greeting],
      ['c2s', 'CAPA\r\n'],
      ['s2c', capa],
      ['c2s', 'STLS\r\n'],
      ['s2c', ok + TLS],
      ['c2s', TLS],
    ]);
    expect(r.upgraded).toBe(true);
    expect(r.clear.s2c).toBe(len(greeting + capa + ok));
    expect(r.clear.c2s).toBe(len('CAPA\r\nSTLS\r\n'));
  });

  it('"stls" in lower case (commands are case-insensitive) and "STLS " with a space count', () => {
    for (const ask of ['stls\r\n', 'StLs\r\n', 'STLS \r\n', 'STLS\n']) {
      const r = sameEverywhere([
        ['c2s', ask],
        ['s2c', `+OK\r\n${TLS}`],
      ]);
      expect(r).toEqual({ upgraded: true, clear: { c2s: len(ask), s2c: 5 } });
    }
  });

  it('lines that only look like STLS do not', () => {
    for (const ask of ['STLSX\r\n', ' STLS\r\n', 'STL\r\n', 'XSTLS\r\n']) {
      const r = sameEverywhere([
        ['c2s', ask],
        ['s2c', `+OK\r\n${TLS}`],
      ]);
      expect(r.upgraded).toBe(false);
      expect(r.clear.s2c).toBe(len(`+OK\r\n${TLS}`));
    }
  });

  it('a "+OK" from the server before any STLS does nothing', () => {
    const r = sameEverywhere([
      ['s2c', '+OK hi\r\n'],
      ['c2s', 'NOOP\r\n'],
      ['s2c', '+OK\r\n'],
    ]);
    expect(r.upgraded).toBe(false);
  });

  it('STLS refused with -ERR: no upgrade; a later STLS answered +OK upgrades there', () => {
    const refused = sameEverywhere([
      ['c2s', 'STLS\r\n'],
      ['s2c', '-ERR not now\r\n'],
      ['c2s', 'NOOP\r\n'],
      ['s2c', '+OK\r\n'],
    ]);
    expect(refused.upgraded).toBe(false);
    expect(refused.clear).toEqual({ c2s: 12, s2c: len('-ERR not now\r\n+OK\r\n') });

    const later = sameEverywhere([
      ['c2s', 'STLS\r\n'],
      ['s2c', '-ERR not now\r\n'],
      ['c2s', 'STLS\r\n'],
      ['s2c', `+OK go\r\n${TLS}`],
    ]);
    expect(later.upgraded).toBe(true);
    expect(later.clear.s2c).toBe(len('-ERR not now\r\n+OK go\r\n'));
  });

  it('each direction turns to TLS at its handshake, and stays TLS', () => {
    const watch = new StlsWatch();
    watch.cleartext('c2s', Buffer.from('STLS\r\n'));
    expect(watch.cleartext('s2c', Buffer.from('+OK\r\n'))).toBe(5);
    expect(watch.upgraded).toBe(false);
    expect(watch.cleartext('c2s', Buffer.from(TLS, 'latin1'))).toBe(0);
    expect(watch.isTls('c2s')).toBe(true);
    expect(watch.isTls('s2c')).toBe(false);
    expect(watch.cleartext('c2s', Buffer.from('STLS\r\n'))).toBe(0);
    expect(watch.cleartext('s2c', Buffer.from(TLS, 'latin1'))).toBe(0);
    expect(watch.cleartext('s2c', Buffer.from('+OK\r\n'))).toBe(0);
  });

  it('STLS refused: the next command ends the wait, so a later 0x16 line is cleartext', () => {
    const r = sameEverywhere([
      ['c2s', 'STLS\r\n'],
      ['s2c', '-ERR no\r\n'],
      ['c2s', 'RETR 1\r\n'],
      ['s2c', `+OK\r\n${TLS}\r\n.\r\n`],
    ]);
    expect(r.upgraded).toBe(false);
  });

  it('a long line (a message body) is scanned, never kept whole', () => {
    const body = `+OK\r\n${'x'.repeat(20_000)}\r\n.\r\n`;
    const r = sameEverywhere([
      ['c2s', 'RETR 1\r\n'],
      ['s2c', body],
    ]);
    expect(r).toEqual({ upgraded: false, clear: { c2s: 8, s2c: len(body) } });
  });

  // A CAPA listing line that starts with "+" is cleartext: only a line starting with a handshake byte is TLS.
  it('a CAPA listing line starting "+" in lock step is cleartext (STLS not asked yet)', () => {
    const capa = '+OK\r\n+X-ODD\r\nSTLS\r\n.\r\n';
    const r = sameEverywhere([
      ['c2s', 'CAPA\r\n'],
      ['s2c', capa],
      ['c2s', 'STLS\r\n'],
      ['s2c', `+OK\r\n${TLS}`],
    ]);
    expect(r).toEqual({ upgraded: true, clear: { c2s: 12, s2c: len(`${capa}+OK\r\n`) } });
  });

  it("CAPA and STLS pipelined: the split is at the handshake, after STLS's own +OK", () => {
    const server = '+OK\r\nSTLS\r\n.\r\n+OK go\r\n';
    const r = sameEverywhere([
      ['c2s', 'CAPA\r\nSTLS\r\n'],
      ['s2c', server],
      ['c2s', TLS],
      ['s2c', TLS],
    ]);
    expect(r).toEqual({ upgraded: true, clear: { c2s: 12, s2c: len(server) } });
  });
});
