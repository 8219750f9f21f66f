/**
 * The fault injector's randomness: mulberry32 streams seeded from a hash, so every session, every rule and the
 * noise of `garbage` draw from a stream of their own. A run is then reproducible from its seed whatever order
 * sessions interleave in, and adding a rule never changes which response another rule's p= hits.
 */

/** mulberry32: 32 bits of state, numbers in [0, 1); the same seed, the same numbers. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit hash of the parts (FNV-1a, then murmur3's finaliser to spread close inputs apart). */
export function hash32(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = String(part);
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0xff; // a separator: ("ab", "c") and ("a", "bc") differ
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The generator of session `session` (1-based) of a run seeded with `seed`: independent of every other session. */
export function seeded(seed: number, session: number): () => number {
  return mulberry32(hash32('pop3scope-session', seed, session));
}
