/**
 * A seeded PRNG for tests (the same seed, the same numbers in [0, 1), so a failing random case reproduces):
 * the fault injector's own mulberry32, not a second copy of it.
 */
export { mulberry32 as prng } from '../../src/faults/random.js';
