/**
 * Run as a child (test/analysis/jitSettles.test.ts): one Inspector fed a login and `NOOPS` NOOP round trips, as
 * a proxy's engine sees them, with real clock times. Prints "steady" after the first STEADY_AFTER round trips and
 * "quit" after the last, so the parent can look at what V8 (--trace-deopt) did in between: the same two lines
 * over and over, nothing new for the JIT to learn.
 */
import { Inspector } from '../../src/analysis/inspector.js';

const NOOPS = Number(process.argv[2] ?? 20_000);
const STEADY_AFTER = 2_000;
const ins = new Inspector('s1', {}, Date.now());
const say = (dir: 'c2s' | 's2c', text: string) => ins.receive(dir, Buffer.from(text), Date.now());
say('s2c', '+OK ready <1.2@example>\r\n');
say('c2s', 'USER bob\r\n');
say('s2c', '+OK\r\n');
say('c2s', 'PASS x\r\n');
say('s2c', '+OK in\r\n');
for (let i = 0; i < NOOPS; i++) {
  if (i === STEADY_AFTER) process.stdout.write('steady\n');
  say('c2s', 'NOOP\r\n');
  say('s2c', '+OK\r\n');
}
process.stdout.write('quit\n');
say('c2s', 'QUIT\r\n');
say('s2c', '+OK bye\r\n');
ins.close(Date.now(), 'client');
process.stdout.write('done\n');
