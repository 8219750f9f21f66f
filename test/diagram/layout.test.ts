/**
 * layoutSession on real captures and hand-made edge cases: arrows in order with the recorded (redacted) labels,
 * bodies, bands, the pipelined "in flight" property, compact vs proportional time, the cut at maxArrows.
 */
import { describe, expect, it } from 'vitest';
import { layoutSession } from '../../src/diagram/layout.js';
import type { Arrow, Diagram } from '../../src/diagram/types.js';
import { JSON_VERSION } from '../../src/render/json.js';
import { captureSession, emptySession, tx } from './records.js';

const seqOf = (a: Arrow) => a.seq ?? -1;

/** Some command B sent after an earlier command A but before A's response: drawn in flight together. */
function inFlight(d: Diagram): boolean {
  const commands = d.arrows.filter((a) => a.kind === 'command');
  const response = (seq: number) => d.arrows.find((a) => a.kind === 'response' && a.seq === seq);
  return commands.some((a) => {
    const ra = response(seqOf(a));
    return ra !== undefined && commands.some((b) => seqOf(b) > seqOf(a) && b.y1 > a.y1 && b.y1 < ra.y1);
  });
}

function expectInside(d: Diagram): void {
  for (const a of d.arrows) {
    for (const y of [a.y1, a.y2]) {
      expect(y).toBeGreaterThan(0);
      expect(y).toBeLessThan(d.height);
    }
    if (a.body) expect(a.body.y + a.body.height).toBeLessThan(d.height);
  }
  for (const m of d.markers) expect(m.y).toBeLessThan(d.height);
}

describe('layoutSession: the seed download-and-delete session', async () => {
  const s = await captureSession('seed-download-and-delete');
  const d = layoutSession(s);

  it('draws one arrow per command and response, in order, with the recorded labels', () => {
    expect(d.arrows.map((a) => [a.id, a.label])).toEqual([
      ['r0', '+OK POP3 server ready'],
      ['c1', 'user bob'],
      ['r1', '+OK'],
      ['c2', 'pass <redacted 6 octets>'],
      ['r2', '+OK user successfully logged on'],
      ['c3', 'list'],
      ['r3', '+OK 2 messages (1410 octets)'],
      ['c4', 'retr 1'],
      ['r4', '+OK 498 octets'],
      ['c5', 'dele 1'],
      ['r5', '+OK message 1 deleted'],
      ['c6', 'retr 2'],
      ['r6', '+OK 912 octets'],
      ['c7', 'dele 2'],
      ['r7', '+OK message 2 deleted'],
      ['c8', 'quit'],
      ['r8', '+OK POP3 server signing off (2 messages deleted)'],
    ]);
    expect(d.omitted).toBe(0);
    expect(JSON.stringify(d)).not.toMatch(/hungry|aHVuZ3J5/);
  });

  it('goes client → server for commands and back for responses, top to bottom, each slanted', () => {
    const lane = Object.fromEntries(d.lanes.map((l) => [l.lane, l.x]));
    expect(d.lanes.map((l) => l.lane)).toEqual(['client', 'server']);
    for (const a of d.arrows) {
      expect([a.from, a.to]).toEqual(a.kind === 'command' ? ['client', 'server'] : ['server', 'client']);
      expect([a.x1, a.x2]).toEqual([lane[a.from], lane[a.to]]);
      expect(a.y2).toBeGreaterThan(a.y1);
    }
    const ys = d.arrows.map((a) => a.y1);
    expect(ys).toEqual([...ys].sort((x, y) => x - y));
    expect(new Set(ys).size).toBe(ys.length);
    expectInside(d);
  });

  it('puts a collapsed body block under multi-line responses, below the arrow and above the next one', () => {
    const withBody = d.arrows.filter((a) => a.body);
    expect(withBody.map((a) => [a.id, a.body?.octets, a.body?.lines, a.body?.complete])).toEqual([
      ['r3', 14, 2, true],
      ['r4', 498, 16, true],
      ['r6', 912, 24, true],
    ]);
    for (const a of withBody) {
      const next = d.arrows[d.arrows.indexOf(a) + 1] as Arrow;
      expect(a.body?.y).toBeGreaterThan(a.y2);
      expect((a.body?.y ?? 0) + (a.body?.height ?? 0)).toBeLessThan(next.y1 - 10);
    }
  });

  it("draws AUTHORIZATION, TRANSACTION, UPDATE bands in order, each holding its phase's arrows", () => {
    expect(d.bands.map((b) => b.phase)).toEqual(['AUTHORIZATION', 'TRANSACTION', 'UPDATE']);
    const [auth, trans, update] = d.bands;
    const y = (id: string) => d.arrows.find((a) => a.id === id)?.y1 ?? Number.NaN;
    for (const id of ['r0', 'c1', 'r1', 'c2', 'r2']) expect(y(id)).toBeGreaterThan(auth?.y1 ?? 0);
    expect(y('r2')).toBeLessThan(auth?.y2 ?? 0);
    expect(auth?.y2).toBe(trans?.y1);
    expect(y('c3')).toBeGreaterThan(trans?.y1 ?? 0);
    expect(y('r8')).toBeLessThan(trans?.y2 ?? 0);
    expect(trans?.y2).toBe(update?.y1);
    expect(update?.y2).toBe(d.height);
    expect((update?.y2 ?? 0) - (update?.y1 ?? 0)).toBeGreaterThanOrEqual(20);
    expect(d.tls).toBeNull();
    expect(d.markers).toEqual([]);
    expect(d.ticks).toEqual([]);
  });
});

describe('layoutSession: pipelining', () => {
  it.each(['pipelined', 'dovecot-mpop-pipelined'])(
    '%s: pipelined commands are drawn in flight together with the responses they did not wait for',
    async (name) => {
      const s = await captureSession(name);
      for (const time of ['compact', 'proportional'] as const) {
        const d = layoutSession(s, { time });
        expect(inFlight(d)).toBe(true);
        const pipelined = d.arrows.filter((a) => a.pipelined);
        expect(pipelined.length).toBeGreaterThan(0);
        for (const a of pipelined) {
          expect(a.kind).toBe('command');
          // Steeper than a lock-step arrow (the greeting's): visibly in flight.
          const greeting = d.arrows[0] as Arrow;
          expect(a.y2 - a.y1).toBeGreaterThan(greeting.y2 - greeting.y1);
          const response = d.arrows.find((r) => r.kind === 'response' && r.seq === a.seq);
          expect(response?.y2).toBeGreaterThan(a.y2);
        }
        expectInside(d);
      }
    },
  );

  it('pipelined capture, compact: USER, PASS then both answers', async () => {
    const d = layoutSession(await captureSession('pipelined'));
    expect(d.arrows.slice(3, 7).map((a) => a.id)).toEqual(['c2', 'c3', 'r2', 'r3']);
    // STAT waits for PASS's answer; LIST and UIDL go right behind it, before any of the three answers.
    expect(d.arrows.slice(7, 14).map((a) => a.id)).toEqual(['c4', 'c5', 'c6', 'r4', 'r5', 'r6', 'c7']);
  });

  it('a lock-step session has nothing in flight', async () => {
    expect(inFlight(layoutSession(await captureSession('seed-download-and-delete')))).toBe(false);
  });

  it('the same millisecond: the pipelined flag decides, a lock-step command waits for the answer', () => {
    const s = emptySession({
      transactions: [
        tx(0, null, { startedAt: 20, endedAt: 20 }),
        tx(1, 'USER bob', { startedAt: 20, endedAt: 20 }),
        tx(2, 'STAT', { startedAt: 20, endedAt: 30 }),
        tx(3, 'NOOP', { startedAt: 30, endedAt: 40, pipelined: true }),
        tx(4, 'NOOP', { startedAt: 30, endedAt: 41, pipelined: true }),
      ],
    });
    // USER at the greeting's millisecond but not pipelined: after it. NOOPs flagged pipelined at STAT's
    // answer's millisecond: sent before it arrived.
    expect(layoutSession(s).arrows.map((a) => a.id)).toEqual([
      'r0',
      'c1',
      'r1',
      'c2',
      'c3',
      'c4',
      'r2',
      'r3',
      'r4',
    ]);
  });
});

describe('layoutSession: time', () => {
  it.each(['seed-download-and-delete', 'pipelined', 'buggy-server', 'dovecot-mpop-pipelined', 'auth-login'])(
    '%s: proportional keeps the compact order, follows the times, and has ticks',
    async (name) => {
      const s = await captureSession(name);
      const compact = layoutSession(s, { time: 'compact' });
      const proportional = layoutSession(s, { time: 'proportional' });
      expect(layoutSession(s)).toEqual(compact);
      expect(proportional.arrows.map((a) => a.id)).toEqual(compact.arrows.map((a) => a.id));
      const byId = new Map(s.transactions.map((t) => [t.seq, t]));
      const timeOf = (a: Arrow) => {
        const t = byId.get(a.seq ?? -1);
        return a.kind === 'command' ? (t?.startedAt ?? 0) : (t?.endedAt ?? 0);
      };
      const rows = proportional.arrows.map((a) => ({ t: timeOf(a), y: a.y1 }));
      for (let k = 1; k < rows.length; k++) {
        const [a, b] = [rows[k - 1], rows[k]] as [{ t: number; y: number }, { t: number; y: number }];
        // Never closer than a row (labels do not overlap), and a later moment is lower.
        expect(b.y - a.y).toBeGreaterThanOrEqual(30);
        if (b.t > a.t) expect(b.y).toBeGreaterThan(a.y);
      }
      expect(proportional.ticks.length).toBeGreaterThanOrEqual(2);
      expect(proportional.ticks[0]).toEqual({ y: rows[0]?.y, label: '0 ms' });
      const ys = proportional.ticks.map((t) => t.y);
      expect(ys).toEqual([...ys].sort((x, y) => x - y));
      for (const t of proportional.ticks) expect(t.label).toMatch(/^\d+(\.\d+)? (ms|s)$|min/);
      expectInside(proportional);
      expect(compact.ticks).toEqual([]);
    },
  );

  it('the seed, proportional: 1.2 s after the greeting USER is sent, and its tick says so', async () => {
    const d = layoutSession(await captureSession('seed-download-and-delete'), { time: 'proportional' });
    const labels = d.ticks.map((t) => t.label);
    expect(labels.slice(0, 3)).toEqual(['0 ms', '1 s', '2 s']);
    const [r0, c1] = d.arrows as [Arrow, Arrow];
    const oneSecond = d.ticks[1]?.y ?? 0;
    // 1000 ms of the 1200 between the greeting and USER.
    expect(oneSecond).toBeCloseTo(r0.y1 + ((c1.y1 - r0.y1) * 1000) / 1200, 5);
  });
});

describe('layoutSession: edge cases', () => {
  it('a live session (no summary yet, no UPDATE) lays out, the last band running to the end', async () => {
    const s = await captureSession('seed-download-and-delete');
    const live = {
      ...s,
      transactions: s.transactions.slice(0, 5),
      phases: s.phases.slice(0, 2),
      summary: null,
    };
    const d = layoutSession(live);
    expect(d.arrows.map((a) => a.id)).toEqual(['r0', 'c1', 'r1', 'c2', 'r2', 'c3', 'r3', 'c4', 'r4']);
    expect(d.bands.map((b) => b.phase)).toEqual(['AUTHORIZATION', 'TRANSACTION']);
    expect(d.bands[1]?.y2).toBe(d.height);
  });

  it('an empty session (nothing yet, or a refused connection) lays out: lanes only', () => {
    for (const time of ['compact', 'proportional'] as const) {
      const d = layoutSession(emptySession(), { time });
      expect(d.arrows).toEqual([]);
      expect(d.bands).toEqual([]);
      expect(d.ticks).toEqual([]);
      expect(d.omitted).toBe(0);
      expect(d.lanes.map((l) => l.lane)).toEqual(['client', 'server']);
      expect(d.height).toBeGreaterThan(0);
    }
  });

  it('cuts at maxArrows and says how many it left out', async () => {
    const s = await captureSession('seed-download-and-delete');
    const d = layoutSession(s, { maxArrows: 5 });
    expect(d.arrows.map((a) => a.id)).toEqual(['r0', 'c1', 'r1', 'c2', 'r2']);
    expect(d.omitted).toBe(12);
    expect(d.bands.map((b) => b.phase)).toEqual(['AUTHORIZATION', 'TRANSACTION']);
    for (const b of d.bands) expect(b.y2).toBeLessThanOrEqual(d.height);
    expect(layoutSession(s, { maxArrows: 0 }).arrows).toEqual([]);
    expect(layoutSession(s, { maxArrows: 0 }).omitted).toBe(17);
    // Nonsense falls back to the default rather than drawing nothing.
    expect(layoutSession(s, { maxArrows: -1 }).omitted).toBe(0);
    expect(layoutSession(s, { maxArrows: Number.NaN }).omitted).toBe(0);
  });

  it('violations: markers on the response with code, severity, RFC; session ones at their time', async () => {
    const d = layoutSession(await captureSession('buggy-server'));
    expect(d.markers.map((m) => [m.code, m.arrow, m.severity])).toEqual([
      ['POP3_STAT_MISMATCH', 'r4', 'error'],
      ['POP3_BARE_LINE_ENDING', 'r5', 'warning'],
      ['POP3_UNSTUFFED_DOT', 'r5', 'warning'],
      ['POP3_SIZE_MISMATCH', 'r5', 'error'],
      ['POP3_NO_UPDATE', null, 'warning'],
    ]);
    const r5 = d.arrows.find((a) => a.id === 'r5') as Arrow;
    expect(r5.violations).toEqual(['POP3_BARE_LINE_ENDING', 'POP3_UNSTUFFED_DOT', 'POP3_SIZE_MISMATCH']);
    for (const m of d.markers) expect(m.rfc).toMatch(/^RFC \d+/);
    const stacked = d.markers.filter((m) => m.arrow === 'r5').map((m) => m.y);
    expect(new Set(stacked).size).toBe(3);
    // The stack ends before the next arrow's label; the session marker comes after the last arrow.
    const next = d.arrows[d.arrows.indexOf(r5) + 1] as Arrow;
    expect(Math.max(...stacked)).toBeLessThan(next.y1 - 12);
    const last = d.arrows[d.arrows.length - 1] as Arrow;
    expect(d.markers[4]?.y).toBeGreaterThan(last.y2);
    expect(d.markers[4]?.y).toBeLessThan(d.height);
  });

  it('pop3scope lane: its own -ERR, an injected fault, a kept-back line', () => {
    const base = { session: 's1', version: JSON_VERSION } as const;
    const s = emptySession({
      transactions: [
        tx(0, null, { startedAt: 10, endedAt: 10, text: 'ready' }),
        tx(1, 'RETR 1', { text: '498 octets' }),
      ],
      proxy: [{ ...base, type: 'proxy', at: 5, dir: 's2c', text: '-ERR [SYS/TEMP] pop3scope: slow\r\n' }],
      injected: [
        {
          ...base,
          type: 'injected',
          at: 1140,
          rule: 'RETR: cut 400',
          on: 'RETR 1',
          what: 'cut after 400 octets',
        },
      ],
      alter: [
        {
          ...base,
          type: 'alter',
          at: 1200,
          dir: 'c2s',
          what: 'pop3scope refused STLS',
          removed: 'STLS',
          code: null,
        },
        { ...base, type: 'alter', at: 1201, dir: 's2c', what: 'hid STLS', removed: 'STLS', code: null },
      ],
    });
    const d = layoutSession(s);
    expect(d.lanes.map((l) => l.lane)).toEqual(['client', 'pop3scope', 'server']);
    expect(d.arrows.map((a) => [a.id, a.kind, a.from, a.to, a.label, a.status])).toEqual([
      ['p0', 'proxy', 'pop3scope', 'client', '-ERR [SYS/TEMP] pop3scope: slow', '-ERR'],
      ['r0', 'response', 'server', 'client', '+OK ready', '+OK'],
      ['c1', 'command', 'client', 'server', 'RETR 1', null],
      ['r1', 'response', 'server', 'client', '+OK 498 octets', '+OK'],
      ['i0', 'injected', 'pop3scope', 'client', 'cut after 400 octets', null],
      ['a0', 'alter', 'client', 'pop3scope', 'pop3scope refused STLS', null],
      ['a1', 'alter', 'server', 'pop3scope', 'hid STLS', null],
    ]);
  });

  it('TLS: a lock band from the STLS answer on, or from the top for implicit TLS', () => {
    const base = { session: 's1', version: JSON_VERSION } as const;
    const transactions = [
      tx(0, null, { startedAt: 10, endedAt: 10 }),
      tx(1, 'STLS'),
      tx(2, 'CAPA', { listing: ['USER'] }),
    ];
    const stls = { ...base, type: 'tls', at: 1140, how: 'stls', visibility: 'decrypted' } as const;
    const d = layoutSession(emptySession({ transactions, tls: [stls] }));
    const r1 = d.arrows.find((a) => a.id === 'r1') as Arrow;
    const c2 = d.arrows.find((a) => a.id === 'c2') as Arrow;
    expect(d.tls).toMatchObject({ how: 'stls', visibility: 'decrypted', y2: d.height });
    expect(d.tls?.y1).toBeGreaterThan(r1.y2);
    expect(d.tls?.y1).toBeLessThan(c2.y1);
    const implicit = layoutSession(
      emptySession({ transactions, tls: [{ ...stls, at: 0, how: 'implicit' }] }),
    );
    expect(implicit.tls?.y1).toBeLessThan(implicit.arrows[0]?.y1 ?? 0);
  });

  it('a command nothing answered: no response arrow, its violation on the command', () => {
    const lost = tx(1, 'RETR 1', { status: null, text: '' });
    const violation = {
      code: 'POP3_NO_RESPONSE',
      severity: 'error',
      message: 'no answer',
      rfc: 'RFC 1939 §3',
    } as const;
    const d = layoutSession(
      emptySession({ transactions: [tx(0, null), { ...lost, violations: [violation] }] }),
    );
    expect(d.arrows.map((a) => a.id)).toEqual(['r0', 'c1']);
    expect(d.markers.map((m) => [m.code, m.arrow])).toEqual([['POP3_NO_RESPONSE', 'c1']]);
  });

  it('a session seen from its middle: the band before its first phase change is its `from`', () => {
    const base = { session: 's1', version: JSON_VERSION } as const;
    const d = layoutSession(
      emptySession({
        transactions: [
          tx(5, 'DELE 1', { startedAt: 100, endedAt: 110 }),
          tx(6, 'QUIT', { startedAt: 120, endedAt: 130 }),
        ],
        phases: [{ ...base, type: 'phase', from: 'TRANSACTION', to: 'UPDATE', at: 130, reason: 'QUIT' }],
      }),
    );
    expect(d.bands.map((b) => b.phase)).toEqual(['TRANSACTION', 'UPDATE']);
  });
});
