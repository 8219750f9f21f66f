/**
 * Phases (RFC 1939 §3–6) and STLS (RFC 2595 §4): AUTHORIZATION → TRANSACTION on a successful login, UPDATE
 * only on QUIT from TRANSACTION, and nothing parsed between STLS's +OK and the start of TLS.
 */
import { describe, expect, it } from 'vitest';
import {
  allCodes,
  c,
  codesOf,
  expectSameEachWay,
  GREETING,
  LOGIN,
  type RunResult,
  s,
  tls,
  txOf,
  txsOf,
} from '../helpers/chunking.js';

const phases = (r: RunResult) => r.summary.phases.map((p) => `${p.phase}@${p.at}`);
const phaseEvents = (r: RunResult) =>
  r.events.filter((e) => e.type === 'phase').map((e) => `${e.from}>${e.to}`);

describe('phases', () => {
  it('enters TRANSACTION on +OK to PASS, and UPDATE on QUIT from TRANSACTION', () => {
    expectSameEachWay([...LOGIN, c('QUIT\r\n'), s('+OK bye\r\n')], (r) => {
      expect(phases(r)).toEqual(['AUTHORIZATION@1', 'TRANSACTION@5', 'UPDATE@7']);
      expect(phaseEvents(r)).toEqual([
        'null>AUTHORIZATION',
        'AUTHORIZATION>TRANSACTION',
        'TRANSACTION>UPDATE',
      ]);
      expect(txOf(r, 'PASS').phase).toBe('AUTHORIZATION');
      expect(txOf(r, 'QUIT').phase).toBe('TRANSACTION');
      // The phase event follows the transaction that caused it.
      const types = r.events.map((e) =>
        e.type === 'transaction' ? (e.tx as { command: { verb: string } | null }).command?.verb : e.type,
      );
      expect(types.indexOf('PASS')).toBeLessThan(types.lastIndexOf('phase'));
      expect(r.summary.auth).toBe('USER/PASS');
      expect(r.summary.user).toBe('bob');
    });
  });

  it('stays in AUTHORIZATION when PASS is refused', () => {
    expectSameEachWay(
      [
        s(GREETING),
        c('USER bob\r\n'),
        s('+OK\r\n'),
        c('PASS x\r\n'),
        s('-ERR [AUTH] bad\r\n'),
        c('STAT\r\n'),
        s('-ERR\r\n'),
      ],
      (r) => {
        expect(phases(r)).toEqual(['AUTHORIZATION@1']);
        expect(txOf(r, 'PASS').response.code).toBe('AUTH');
        expect(txOf(r, 'PASS').response.text).toBe('bad');
        expect(txOf(r, 'STAT').phase).toBe('AUTHORIZATION');
        expect(r.summary.auth).toBeNull();
      },
    );
  });

  it('enters TRANSACTION on +OK to APOP', () => {
    const digest = 'c4c9334bac560ecc979e58001b3e22fb';
    expectSameEachWay(
      [
        s(GREETING),
        c(`APOP mrose ${digest}\r\n`),
        s('+OK maildrop has 1 message\r\n'),
        c('STAT\r\n'),
        s('+OK 1 369\r\n'),
      ],
      (r) => {
        expect(phases(r)).toEqual(['AUTHORIZATION@1', 'TRANSACTION@3']);
        const apop = txOf(r, 'APOP');
        expect(apop.command!.args).toEqual(['mrose', '<redacted 32 octets>']);
        expect(codesOf(apop)).toEqual([]);
        expect(txOf(r, 'STAT').phase).toBe('TRANSACTION');
        expect(r.summary.auth).toBe('APOP');
        expect(r.summary.user).toBe('mrose');
      },
    );
  });

  it('enters TRANSACTION on the final +OK of AUTH, not on its challenges', () => {
    const ir = Buffer.from('\0bob\0pw').toString('base64');
    expectSameEachWay(
      [s(GREETING), c('AUTH PLAIN\r\n'), s('+ \r\n'), c(`${ir}\r\n`), s('+OK welcome\r\n')],
      (r) => {
        expect(phases(r)).toEqual(['AUTHORIZATION@1', 'TRANSACTION@5']);
        expect(r.summary.auth).toBe('SASL PLAIN');
      },
    );
  });

  it('does not enter UPDATE on QUIT in AUTHORIZATION', () => {
    expectSameEachWay(
      [s(GREETING), c('USER bob\r\n'), s('+OK\r\n'), c('QUIT\r\n'), s('+OK bye\r\n')],
      (r) => {
        expect(phases(r)).toEqual(['AUTHORIZATION@1']);
        expect(txOf(r, 'QUIT').explain).toContain('no UPDATE');
      },
    );
  });

  it('never enters UPDATE when the session ends without QUIT', () => {
    expectSameEachWay([...LOGIN, c('DELE 1\r\n'), s('+OK marked\r\n')], (r) => {
      expect(phases(r)).toEqual(['AUTHORIZATION@1', 'TRANSACTION@5']);
      expect(r.summary.removed).toEqual([]);
      expect(r.summary.discarded).toEqual([1]);
    });
  });

  it('reports a -ERR greeting and enters no phase', () => {
    expectSameEachWay([s('-ERR [SYS/TEMP] too busy\r\n')], (r) => {
      expect(phases(r)).toEqual([]);
      expect(codesOf(r.transactions[0]!)).toEqual(['POP3_GREETING_REFUSED']);
      expect(r.transactions[0]!.response.code).toBe('SYS/TEMP');
    });
  });

  it('flags a TRANSACTION command sent before login, processed in AUTHORIZATION (POP3_WRONG_STATE)', () => {
    expectSameEachWay(
      [
        s(GREETING),
        c('STAT\r\n'),
        s('-ERR not yet\r\n'),
        c('USER bob\r\n'),
        s('+OK\r\n'),
        c('PASS x\r\n'),
        s('+OK\r\n'),
        c('USER bob\r\n'),
        s('-ERR\r\n'),
      ],
      (r) => {
        const stat = txOf(r, 'STAT');
        expect(stat.phase).toBe('AUTHORIZATION');
        expect(codesOf(stat)).toEqual(['POP3_WRONG_STATE']);
        const [first, second] = txsOf(r, 'USER');
        expect(codesOf(first!)).toEqual([]);
        expect(second!.phase).toBe('TRANSACTION');
        expect(codesOf(second!)).toEqual(['POP3_WRONG_STATE']);
      },
    );
  });
});

describe('STLS', () => {
  const upToStls = [
    s(GREETING),
    c('CAPA\r\n'),
    s('+OK\r\nSTLS\r\nPIPELINING\r\n.\r\n'),
    c('STLS\r\n'),
    s('+OK begin TLS\r\n'),
  ];
  const injected = [
    ...upToStls,
    c('USER evil\r\nPASS leaked\r\n'),
    s('+OK injected\r\n'),
    tls(),
    c('CAPA\r\n'),
    s('+OK\r\nUSER\r\n.\r\n'),
  ];
  it('does not parse bytes from either side between STLS and TLS, flags POP3_STLS_INJECTION, and hides them', () => {
    expectSameEachWay(injected, (r) => {
      const injections = r.raw.flatMap((e) => (e.type === 'violation' ? [e.violation] : []));
      expect(injections.map((v) => v.code)).toEqual(expect.arrayContaining(['POP3_STLS_INJECTION']));
      expect(injections.some((v) => v.message.includes('the client sent'))).toBe(true);
      expect(injections.some((v) => v.message.includes('the server sent'))).toBe(true);
      expect(txsOf(r, 'USER')).toEqual([]);
      expect(txsOf(r, 'PASS')).toEqual([]);
      expect(r.raw.some((e) => e.type === 'command' && e.command.verb === 'USER')).toBe(false);
      expect(r.data.c2s.toString('latin1')).not.toContain('leaked');
      expect(r.data.c2s.toString('latin1')).toContain('STLS\r\n**********');
      // After TLS, parsing resumes.
      const [, capa] = txsOf(r, 'CAPA');
      expect(capa!.response.listing).toEqual(['USER']);
      expect(r.summary.tls).toBe('stls');
    });
  });

  // Guards the count: once per side per STLS, not once per received chunk.
  it('reports STLS injection once per side, however the injected bytes are chunked', () => {
    expectSameEachWay(injected, (r) => {
      const injections = r.raw.flatMap((e) => (e.type === 'violation' ? [e.violation.message] : []));
      expect(injections).toHaveLength(2);
      expect(r.summary.violations).toEqual({ POP3_STLS_INJECTION: 2 });
    });
  });

  it('continues parsing after TLS (decrypted) and forgets what CAPA said before it', () => {
    expectSameEachWay([...upToStls, tls(), c('USER bob\r\nPASS x\r\n'), s('+OK\r\n+OK\r\n')], (r) => {
      expect(allCodes(r)).toEqual(['POP3_PIPELINING_NOT_ADVERTISED']);
      expect(txOf(r, 'PASS').violations[0]!.message).toContain('never asked CAPA');
      expect(phases(r)).toEqual(['AUTHORIZATION@1', 'TRANSACTION@8']);
      const tlsEvents = r.events.filter((e) => e.type === 'tls');
      expect(tlsEvents).toEqual([{ type: 'tls', t: 6, info: { how: 'stls', visibility: 'decrypted' } }]);
    });
  });

  it('only counts bytes after TLS it cannot see into (opaque)', () => {
    expectSameEachWay(
      [
        ...upToStls,
        tls({ visibility: 'opaque' }),
        c('\x16\x03\x01garbage\r\nUSER x\r\n'),
        s('\x16\x03\x03hello\r\n+OK\r\n'),
      ],
      (r) => {
        expect(r.transactions.map((t) => t.command?.verb ?? null)).toEqual([null, 'CAPA', 'STLS']);
        expect(r.raw.filter((e) => e.type === 'command')).toHaveLength(2);
        expect(allCodes(r)).toEqual([]);
        expect(r.summary.tls).toBe('opaque');
        const c2s = 'CAPA\r\nSTLS\r\n\x16\x03\x01garbage\r\nUSER x\r\n';
        const s2c = `${GREETING}+OK\r\nSTLS\r\nPIPELINING\r\n.\r\n+OK begin TLS\r\n\x16\x03\x03hello\r\n+OK\r\n`;
        expect(r.summary.bytes).toEqual({ c2s: c2s.length, s2c: s2c.length });
        expect(r.data.c2s.toString('latin1')).toContain('\x16\x03\x01garbage');
      },
    );
  });

  it('keeps parsing cleartext when STLS is refused', () => {
    expectSameEachWay(
      [s(GREETING), c('STLS\r\n'), s('-ERR no TLS here\r\n'), c('USER bob\r\n'), s('+OK\r\n')],
      (r) => {
        expect(txOf(r, 'STLS').response.status).toBe('-ERR');
        expect(txOf(r, 'USER').response.status).toBe('+OK');
        expect(allCodes(r)).toEqual([]);
      },
    );
  });
});
