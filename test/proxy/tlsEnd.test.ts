/**
 * RecordWatch on its own: it hands every chunk on unchanged (the same Buffers, in order), and at the transport's
 * end tells from the TLS record framing whether the last record was a close_notify — whatever the chunking:
 * whole, byte by byte, and at random cuts (records cut inside their header or body, several in one chunk).
 */
import type net from 'node:net';
import { Duplex } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordWatch, type TlsEnd } from '../../src/proxy/tlsEnd.js';

/** One TLS record: type, a legacy version, a 2-octet length, and a body of `length` octets. */
function record(type: number, length: number): Buffer {
  const r = Buffer.alloc(5 + length, 0x5a);
  r[0] = type;
  r[1] = 3;
  r[2] = 3;
  r.writeUInt16BE(length, 3);
  return r;
}

const HANDSHAKE = 22;
const ALERT = 21;
const DATA = 23;
/** A TLS 1.3 close_notify as it travels: application data of 19 octets. */
const TLS13_CLOSE = record(DATA, 19);

/** Feeds `bytes` cut at `cuts` through a RecordWatch, then ends; returns what came out and the verdict. */
async function watch(
  bytes: Buffer,
  cuts: readonly number[],
  tlsEnded?: boolean,
): Promise<{ out: Buffer[]; fed: Buffer[]; verdict: TlsEnd | null }> {
  const raw = new Duplex({ read() {}, write: (_c, _e, done) => done() });
  const w = new RecordWatch(raw as unknown as net.Socket);
  if (tlsEnded !== undefined) w.secure = { _readableState: { ended: tlsEnded } };
  const out: Buffer[] = [];
  w.on('data', (c: Buffer) => out.push(c));
  const ended = new Promise<void>((r) => w.once('end', () => r()));
  const fed: Buffer[] = [];
  let at = 0;
  for (const cut of [...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b)) {
    fed.push(bytes.subarray(at, cut));
    at = cut;
  }
  if (at < bytes.length) fed.push(bytes.subarray(at));
  for (const piece of fed) raw.push(piece);
  raw.push(null);
  await ended;
  return { out, fed, verdict: w.peerEnd };
}

const everyOctet = (b: Buffer) => [...b.keys()];

const CASES: [string, Buffer, TlsEnd, boolean?][] = [
  [
    'TLS 1.2: an alert last',
    Buffer.concat([record(HANDSHAKE, 90), record(DATA, 16_408), record(DATA, 33), record(ALERT, 26)]),
    'close_notify',
  ],
  ['TLS 1.2: data last', Buffer.concat([record(DATA, 300), record(DATA, 33)]), 'no close_notify'],
  [
    'TLS 1.3: a 19-octet record last, TLS ended',
    Buffer.concat([record(DATA, 5000), TLS13_CLOSE]),
    'close_notify',
    true,
  ],
  [
    'TLS 1.3: a 19-octet record last that was data (TLS had not ended)',
    Buffer.concat([record(DATA, 5000), TLS13_CLOSE]),
    'no close_notify',
    false,
  ],
  ['TLS 1.3: a longer record last', Buffer.concat([TLS13_CLOSE, record(DATA, 26)]), 'no close_notify', false],
  [
    'cut inside a record body',
    Buffer.concat([record(DATA, 40), record(ALERT, 26)]).subarray(0, -1),
    'no close_notify',
  ],
  [
    'cut inside a record header',
    Buffer.concat([record(ALERT, 26), record(DATA, 40).subarray(0, 3)]),
    'no close_notify',
  ],
  ['no record at all', Buffer.alloc(0), 'no close_notify'],
];

describe('RecordWatch', () => {
  for (const [what, bytes, verdict, tlsEnded] of CASES) {
    it(`${what}: ${verdict}, whole and byte by byte, bytes passed on unchanged`, async () => {
      for (const cuts of [[], everyOctet(bytes)]) {
        const r = await watch(bytes, cuts, tlsEnded);
        expect(r.verdict).toBe(verdict);
        // The very Buffers fed, in order: no copy, no reframing.
        expect(r.out.length).toBe(r.fed.length);
        for (const [i, b] of r.out.entries()) expect(b).toBe(r.fed[i]);
      }
    });
  }

  it('random records at random cuts: the verdict follows the last whole record', async () => {
    const recordArb = fc.record({
      type: fc.constantFrom(HANDSHAKE, ALERT, DATA, 20),
      length: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 18_432 })),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordArb, { maxLength: 6 }),
        fc.integer({ min: 0, max: 4 }), // at most 4: always inside the last record (5 octets or more)
        fc.array(fc.nat(), { maxLength: 12 }),
        async (records, cutShort, cutSeeds) => {
          const whole = Buffer.concat(records.map((r) => record(r.type, r.length)));
          const bytes = whole.subarray(0, Math.max(0, whole.length - cutShort));
          const last = records.at(-1);
          const expected: TlsEnd =
            cutShort === 0 && last && (last.type === ALERT || (last.type === DATA && last.length === 19))
              ? 'close_notify'
              : 'no close_notify';
          const cuts = cutSeeds.map((s) => (bytes.length ? s % bytes.length : 0));
          const r = await watch(bytes, cuts, true);
          expect(r.verdict).toBe(expected);
          expect(Buffer.concat(r.out).equals(bytes)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
