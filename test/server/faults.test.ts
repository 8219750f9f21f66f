/**
 * `serve --fault`: the embedded server itself misbehaves where a rule says (server/faulted.ts over the
 * injector), on a real socket — the reply the client gets, what stays in the maildrop, and the log line.
 */
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultInjector, seeded } from '../../src/faults/injector.js';
import { parsePlan } from '../../src/faults/rules.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { rawPop3, statOf } from '../helpers/rawPop3.js';

let server: RunningServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function serve(rules: string[], logs: string[] = []): Promise<number> {
  const plan = parsePlan(rules, 7);
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    logger,
    faults: (n) => new FaultInjector(plan, n, seeded(plan.seed, n)),
  });
  return server.address().port;
}

/** Everything the server sends until it closes (or `ms` pass), after sending `lines`. */
function dialogue(port: number, lines: string, ms = 1500): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    let closed = false;
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      resolve({ text, closed });
    });
    socket.once('data', () => socket.write(lines));
    setTimeout(() => {
      socket.destroy();
      if (!closed) resolve({ text, closed: false });
    }, ms);
  });
}

describe('serve --fault', () => {
  it('cut mid-RETR: the client gets the first 400 octets, the connection closes, nothing is deleted', async () => {
    const logs: string[] = [];
    const port = await serve(['RETR #1 cut 400'], logs);
    const r = await dialogue(port, 'USER bob\r\nPASS hungry\r\nRETR 2\r\nDELE 2\r\nQUIT\r\n');
    expect(r.closed).toBe(true);
    const afterLogin = r.text.slice(r.text.indexOf('+OK 912'));
    expect(afterLogin.length).toBe(400);
    expect(r.text).not.toContain('marked');
    // The maildrop is untouched: no UPDATE happened.
    expect(await statOf(port, 'bob', 'hungry')).toMatch(/^\+OK 2 1410/);
    expect(logs.join('')).toContain('"rule":"RETR #1 cut 400"');
  });

  it('stall: nothing more comes after the rule fires, and the connection stays open', async () => {
    const port = await serve(['LIST stall']);
    const r = await dialogue(port, 'USER bob\r\nPASS hungry\r\nLIST\r\nNOOP\r\n', 800);
    expect(r.closed).toBe(false);
    expect(r.text).toContain('+OK bob has 2 messages');
    expect(r.text).not.toContain('1 498');
  });

  it("greeting-err and an err with a code replace the server's own answers", async () => {
    const port = await serve(['greeting greeting-err']);
    const r = await dialogue(port, 'QUIT\r\n');
    expect(r.text.startsWith('-ERR [SYS/TEMP] injected by pop3scope\r\n')).toBe(true);
    await server!.close();
    const port2 = await serve(['DELE err [IN-USE] busy']);
    const c = await rawPop3(port2);
    await c.cmd('USER bob');
    await c.cmd('PASS hungry');
    expect(await c.cmd('DELE 1')).toBe('-ERR [IN-USE] busy\r\n');
    expect(await c.quit()).toMatch(/^\+OK/);
    // Only the answer was replaced: the server carried DELE out, so QUIT removed the message (docs/faults.md).
    expect(await statOf(port2, 'bob', 'hungry')).toMatch(/^\+OK 1 912/);
  });
});
