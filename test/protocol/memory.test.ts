/**
 * Retained memory stays bounded whatever the peers send (limits.ts: MAX_KEPT_LINE, MAX_OUTSTANDING_COMMANDS,
 * MAX_LISTING_LINES, ...). Measured as the growth of heapUsed + arrayBuffers after a full GC while the
 * Inspector is still alive. The byte-by-byte and random-split equality of these inputs is covered at a smaller
 * scale by framing.test.ts and fuzz.test.ts; here each input is fed in 64 KiB chunks and, once more, in chunks
 * of random sizes, since feeding tens of MB one byte at a time would take minutes.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Inspector } from '../../src/analysis/inspector.js';
import type { Direction } from '../../src/protocol/types.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function retained(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const MB = 1024 * 1024;

/** Pseudo-random bytes from a seed, so a failure can be reproduced. */
function garbage(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

interface Feed {
  readonly setup: readonly (readonly [Direction, string])[];
  /** The next chunk to feed and its direction; called until `total` bytes went in. */
  readonly next: (i: number) => readonly [Direction, Buffer];
  readonly total: number;
}

/** Feeds `feed` with the given chunk sizes (cycled) and returns how much retained memory grew. */
function growth(feed: Feed, sizes: readonly number[] = [64 * 1024]): number {
  const before = retained();
  const inspector = new Inspector('mem', {}, 0);
  for (const [dir, text] of feed.setup) inspector.receive(dir, Buffer.from(text, 'latin1'), 0);
  let fed = 0;
  for (let i = 0; fed < feed.total; i++) {
    const [dir, block] = feed.next(i);
    if (!Buffer.isBuffer(block) || block.length === 0) throw new Error('a feed must give non-empty chunks');
    for (let at = 0, k = i; at < block.length; k++) {
      const n = sizes[k % sizes.length]!;
      inspector.receive(dir, block.subarray(at, at + n), i);
      at += n;
    }
    fed += block.length;
  }
  const grown = retained() - before;
  // Keep the inspector alive until after the measurement.
  expect(inspector.session).toBe('mem');
  return grown;
}

const login: Feed['setup'] = [
  ['s2c', '+OK hi\r\n'],
  ['c2s', 'USER a\r\nPASS b\r\n'],
  ['s2c', '+OK\r\n+OK\r\n'],
];
const fromServer = (bytes: Buffer) => () => ['s2c', bytes] as const;

describe('bounded memory', () => {
  const noise = [garbage(64 * 1024, 7), garbage(64 * 1024, 11), garbage(64 * 1024, 13)];

  it('random garbage from both sides, interleaved (24 MB)', () => {
    const feed: Feed = {
      setup: [],
      next: (i) => [i % 2 ? 's2c' : 'c2s', noise[i % noise.length]!],
      total: 24 * MB,
    };
    expect(growth(feed)).toBeLessThan(32 * MB);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 128 * 1024 }), { minLength: 1, maxLength: 16 }),
        (sizes) => {
          expect(growth({ ...feed, total: 8 * MB }, sizes)).toBeLessThan(32 * MB);
        },
      ),
      { numRuns: 1 },
    );
  });

  for (const [name, dir, prefix] of [
    ['a client line that never ends', 'c2s', 'NOOP '],
    ['a PASS line that never ends (masked as it comes)', 'c2s', 'PASS '],
    ['a server line that never ends', 's2c', '+OK '],
  ] as const) {
    it(`${name} (50 MB)`, () => {
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      const setup: Feed['setup'] = [
        ...login,
        ...(dir === 's2c' ? ([['c2s', 'NOOP\r\n']] as const) : []),
        [dir, prefix],
      ];
      expect(growth({ setup, next: () => [dir, chunk], total: 50 * MB })).toBeLessThan(4 * MB);
    });
  }

  it('a body that never ends (50 MB of RETR)', () => {
    const lines = Buffer.from('0123456789abcdef\r\n'.repeat(3641).slice(0, 64 * 1024), 'latin1');
    const setup: Feed['setup'] = [...login, ['c2s', 'RETR 1\r\n'], ['s2c', '+OK\r\n']];
    expect(growth({ setup, next: fromServer(lines), total: 50 * MB })).toBeLessThan(4 * MB);
  });

  // Guards MAX_LISTING_OCTETS: a listing body is kept line by line, bounded in octets as well as in lines.
  it('a listing that never ends (24 MB of garbage lines)', () => {
    const setup: Feed['setup'] = [...login, ['c2s', 'CAPA\r\n'], ['s2c', '+OK\r\n']];
    expect(growth({ setup, next: (i) => ['s2c', noise[i % noise.length]!], total: 24 * MB })).toBeLessThan(
      12 * MB,
    );
  });

  // Guards what an unanswered command keeps: its shown line and arguments are clipped (MAX_SHOWN_COMMAND).
  it('pipelined long commands that are never answered (24 MB)', () => {
    const commands = Buffer.alloc(64 * 1024, 0x58);
    for (let k = 8000; k < commands.length; k += 8001) commands.write('\r\n', k - 1, 'latin1');
    expect(growth({ setup: login, next: () => ['c2s', commands], total: 24 * MB })).toBeLessThan(12 * MB);
  });
});
