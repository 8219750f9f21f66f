/**
 * Regression (issue 12): a client write that ends mid-line ("USER bob\r\nPA") used to reach the capture after
 * the server's reply to USER, so the file was out of arrival order, its timestamps went backwards, `show`
 * paired USER with the wrong response and `check` failed a clean session. Through the real proxy process.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { runCli } from '../helpers/cli.js';
import { parseJsonLines, readText, startProxyProcess } from '../helpers/proxyProcess.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, demo: true });
});
afterAll(() => server.close());

/** Sends each write once the reply so far contains `waitFor`, then closes after QUIT's answer. */
async function converse(port: number, steps: readonly [string, string][]): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port });
  let got = '';
  const until = (text: string, from: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${text}" in ${JSON.stringify(got)}`)), 5000);
      const check = () => {
        if (got.indexOf(text, from) !== -1) {
          clearTimeout(timer);
          socket.off('data', onData);
          resolve();
        }
      };
      const onData = (d: Buffer) => {
        got += d.toString('latin1');
        check();
      };
      socket.on('data', onData);
      check();
    });
  await until('+OK', 0);
  for (const [write, waitFor] of steps) {
    const from = got.length;
    socket.write(write);
    await until(waitFor, from);
  }
  socket.end();
  return got;
}

describe('proxy --capture keeps arrival order', () => {
  it('a client chunk ending mid-line is recorded before the reply that followed it; check passes', async () => {
    const px = await startProxyProcess(server.address().port);
    try {
      await converse(px.port, [
        ['USER bob\r\nPA', '+OK'],
        ['SS hungry\r\n', '+OK'],
        ['QUIT\r\n', '+OK'],
      ]);
      const [live] = await px.waitForSummaries(1);
      const session = live!.session;
      await px.captureSession(session);
      const records = parseJsonLines(readText(px.capturePath)).filter((r) => r.session === session);
      const data = records.filter((r) => r.type === 'data');
      const times = data.map((r) => r.t as number);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      // The order of the bytes: greeting, USER + "PA", the +OK to USER, "SS ****", ...
      expect(data.slice(0, 4).map((r) => r.dir)).toEqual(['s2c', 'c2s', 's2c', 'c2s']);
      expect(readText(px.capturePath)).not.toContain('hungry');
      const check = runCli(['check', px.capturePath]);
      expect(check.stdout + check.stderr).not.toMatch(/POP3_UNEXPECTED_DATA|POP3_PASS_WITHOUT_USER/);
      expect(check.code).toBe(0);
    } finally {
      await px.stop();
      px.remove();
    }
  });
});
