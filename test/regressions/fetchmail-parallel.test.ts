/**
 * As root (CI), every fetchmail locks the same /var/run/fetchmail.pid whatever HOME or FETCHMAILHOME say, so
 * two test files running fetchmail at the same moment refused each other ("another foreground fetchmail is
 * running", exit 8). Each run of the helper has its own --pidfile.
 */
import net from 'node:net';
import { afterAll, expect } from 'vitest';
import { fetchmail } from '../helpers/clients.js';
import { itWithPeers } from '../helpers/peers.js';

// A server that accepts and never greets: both runs are still waiting when the other starts.
const silent = net.createServer(() => {});
afterAll(() => new Promise<void>((r) => silent.close(() => r())));

itWithPeers(
  ['fetchmail'],
  'two fetchmail runs at once do not share a lock file',
  async () => {
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    const once = () =>
      fetchmail({
        host: '127.0.0.1',
        port,
        user: 'bob',
        password: 'hungry',
        keep: true,
        clientTimeoutSecs: 2,
      });
    const runs = await Promise.all([once(), once()]);
    for (const r of runs) {
      expect(r.stdout + r.stderr).not.toMatch(/another .*fetchmail is running/);
      expect(r.code, r.stdout).toBe(2); // its own timeout waiting for the greeting
    }
  },
  20_000,
);
