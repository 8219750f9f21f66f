/**
 * Random record sequences (fast-check): grouping, layout in both time modes, the SVG and the mailbox never
 * throw; every arrow, body and marker lies inside the diagram; arrow ids are unique; the SVG is well-formed;
 * rows never overlap in drawing order. Times may be missing, equal, out of order; seqs may repeat.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { layoutSession } from '../../src/diagram/layout.js';
import { mailboxTimeline } from '../../src/diagram/mailbox.js';
import { groupRecords } from '../../src/diagram/sessions.js';
import { renderSvg } from '../../src/diagram/svg.js';
import { JSON_VERSION, type JsonRecord } from '../../src/render/json.js';
import { checkXml } from './xml.js';

const phase = fc.constantFrom('AUTHORIZATION', 'TRANSACTION', 'UPDATE' as const);
const time = fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom(Number.NaN, -5, 1e15));
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('<&>"', '\u0000\r\n', 'x'.repeat(400)));
const session = fc.constantFrom('s1', 's2');
const file = fc.option(fc.constantFrom('a', 'b'), { nil: undefined });
const violation = fc.record({
  code: fc.constantFrom('POP3_BAD_STATUS', 'POP3_NO_RESPONSE', 'POP3_SIZE_MISMATCH' as const),
  severity: fc.constantFrom('error', 'warning', 'info' as const),
  message: text,
  rfc: fc.constantFrom('RFC 1939 §3', ''),
});
const verb = fc.constantFrom(
  'USER',
  'PASS',
  'LIST',
  'UIDL',
  'STAT',
  'RETR',
  'TOP',
  'DELE',
  'RSET',
  'QUIT',
  'NOOP',
);

const transaction = fc
  .record({
    session,
    file,
    seq: fc.integer({ min: 0, max: 12 }),
    phase,
    command: fc.option(
      fc.record({
        verb,
        args: fc.array(fc.constantFrom('1', '2', 'x', '0'), { maxLength: 2 }),
        line: text,
        pipelined: fc.boolean(),
      }),
      { nil: null },
    ),
    status: fc.constantFrom('+OK', '-ERR', null),
    code: fc.option(fc.constantFrom('SYS/TEMP', 'IN-USE'), { nil: null }),
    text,
    multiline: fc.boolean(),
    complete: fc.boolean(),
    listing: fc.option(fc.array(fc.constantFrom('1 100', '2 x', 'junk', '3 uid-3'), { maxLength: 4 }), {
      nil: undefined,
    }),
    startedAt: time,
    endedAt: time,
    violations: fc.array(violation, { maxLength: 10 }),
  })
  .map(
    (r): JsonRecord => ({
      type: 'transaction',
      session: r.session,
      ...(r.file === undefined ? {} : { file: r.file }),
      version: JSON_VERSION,
      seq: r.seq,
      phase: r.phase,
      command: r.command,
      response: {
        status: r.status,
        code: r.code,
        text: r.text,
        multiline: r.multiline,
        bodyOctets: r.multiline ? 10 : 0,
        bodyLines: r.multiline ? 1 : 0,
        complete: r.complete,
        ...(r.listing ? { listing: r.listing } : {}),
      },
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      latencyMs: null,
      explain: '',
      rfc: '',
      violations: r.violations,
    }),
  );

const base = fc.record({ session, version: fc.constant(JSON_VERSION), at: time });
const other: fc.Arbitrary<JsonRecord> = fc.oneof(
  fc
    .record({ b: base, from: fc.option(phase, { nil: null }), to: phase, reason: text })
    .map(({ b, ...r }): JsonRecord => ({ type: 'phase', ...b, ...r })),
  fc.record({ b: base, v: violation }).map(({ b, v }): JsonRecord => ({ type: 'violation', ...b, ...v })),
  fc
    .record({
      b: base,
      how: fc.constantFrom('stls', 'implicit' as const),
      vis: fc.constantFrom('decrypted', 'opaque' as const),
    })
    .map(({ b, how, vis }): JsonRecord => ({ type: 'tls', ...b, how, visibility: vis })),
  fc
    .record({ b: base, dir: fc.constantFrom('c2s', 's2c' as const), text })
    .map(({ b, ...r }): JsonRecord => ({ type: 'proxy', ...b, ...r })),
  fc
    .record({ b: base, dir: fc.constantFrom('c2s', 's2c' as const), what: text })
    .map(({ b, ...r }): JsonRecord => ({ type: 'alter', ...b, ...r, removed: '', code: null })),
  fc
    .record({ b: base, what: text, rule: text, on: text })
    .map(({ b, ...r }): JsonRecord => ({ type: 'injected', ...b, ...r })),
  base.map((b) => ({ type: 'mystery', ...b }) as unknown as JsonRecord),
);

const records = fc.array(fc.oneof({ weight: 3, arbitrary: transaction }, { weight: 2, arbitrary: other }), {
  maxLength: 40,
});

describe('the diagram on random records', () => {
  it('never throws; shapes inside the diagram; ids unique; rows in order; well-formed SVG', () => {
    fc.assert(
      fc.property(
        records,
        fc.constantFrom('compact', 'proportional' as const),
        fc.nat(30),
        (list, mode, max) => {
          for (const s of groupRecords(list)) {
            for (const d of [
              layoutSession(s, { time: mode }),
              layoutSession(s, { time: mode, maxArrows: max }),
            ]) {
              const ids = d.arrows.map((a) => a.id);
              expect(new Set(ids).size).toBe(ids.length);
              for (const a of d.arrows) {
                for (const y of [a.y1, a.y2]) {
                  expect(Number.isFinite(y)).toBe(true);
                  expect(y).toBeGreaterThan(0);
                  expect(y).toBeLessThan(d.height);
                }
                expect(a.y2).toBeGreaterThan(a.y1);
                if (a.body) expect(a.body.y + a.body.height).toBeLessThan(d.height);
              }
              for (let k = 1; k < d.arrows.length; k++) {
                expect(d.arrows[k]?.y1).toBeGreaterThan(d.arrows[k - 1]?.y2 ?? 0);
              }
              for (const m of d.markers) expect(m.y).toBeLessThan(d.height);
              for (const b of [...d.bands, ...(d.tls ? [d.tls] : [])]) {
                expect(b.y1).toBeLessThan(b.y2);
                expect(b.y2).toBeLessThanOrEqual(d.height);
              }
              for (const t of d.ticks) expect(t.y).toBeLessThan(d.height);
              expect(d.omitted).toBeGreaterThanOrEqual(0);
              checkXml(renderSvg(d, { selected: ids[0] }));
            }
            for (const row of mailboxTimeline(s)) expect(Number.isInteger(row.n) && row.n > 0).toBe(true);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
