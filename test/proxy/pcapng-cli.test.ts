/**
 * `pop3scope proxy --pcapng FILE`, the real CLI in front of the embedded demo server: tshark reads FILE as POP3,
 * `show FILE` gives the transactions the proxy's --capture of the same run gives, a second run appends a new
 * section, and a file that is not pcapng is refused in one line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { runCli } from '../helpers/cli.js';
import { describeWithPeers } from '../helpers/peers.js';
import { type JsonRecord, showCaptureJson, startProxyProcess } from '../helpers/proxyProcess.js';
import { rawPop3 } from '../helpers/rawPop3.js';

let server: RunningServer;
const dir = mkdtempSync(join(tmpdir(), 'pop3scope-pcapng-proxy-'));
beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, demo: true });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A whole download through the proxy, in lock step. */
async function session(port: number, user: string, password: string): Promise<void> {
  const c = await rawPop3(port);
  try {
    await c.cmd(`USER ${user}`);
    expect(await c.cmd(`PASS ${password}`)).toMatch(/^\+OK/);
    await c.cmd('LIST', true);
    await c.cmd('RETR 1', true);
    await c.quit();
  } finally {
    c.destroy();
  }
}

/** Transactions and summaries without times (the pcapng holds µs, and sessions are renumbered). */
const analysis = (records: readonly JsonRecord[]) =>
  records
    .filter((r) => r.type === 'transaction' || r.type === 'summary')
    .map((r) =>
      r.type === 'transaction'
        ? {
            verb: r.command?.verb ?? null,
            line: r.command?.line ?? null,
            response: r.response,
            violations: r.violations,
          }
        : {
            user: r.user,
            phases: r.phases.map((p: { phase: string }) => p.phase),
            retrieved: r.retrieved,
            bytes: r.bytes,
          },
    );

function tsharkPop(file: string): string[] {
  const r = spawnSync(
    'tshark',
    [
      '-r',
      file,
      // The demo server's port is not 110: tshark is told it is POP3.
      '-d',
      `tcp.port==${server.address().port},pop`,
      '-Y',
      'pop.request',
      '-T',
      'fields',
      '-e',
      'tcp.stream',
      '-e',
      'pop.request.command',
      '-e',
      'pop.request.parameter',
    ],
    {
      encoding: 'utf8',
    },
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter((l) => l.trim());
}

describeWithPeers(['tshark'], 'proxy --pcapng', () => {
  it('a live session written as pcapng: tshark reads POP3, show gives what --capture gives; a second run appends', async () => {
    const file = join(dir, 'live.pcapng');
    const px = await startProxyProcess(server.address().port, { extraArgs: ['--pcapng', file] });
    try {
      expect(px.startLine).toContain(`writing pcapng to ${file}`);
      await session(px.port, 'bob', 'hungry');
      await px.waitForSummaries(1);
      expect(await px.stop()).toBe(0);
      const fromCapture = await showCaptureJson(px.capturePath);
      const fromPcapng = await showCaptureJson(file);
      expect(analysis(fromPcapng)).toEqual(analysis(fromCapture));
      expect(analysis(fromPcapng).map((x) => ('verb' in x ? x.verb : 'summary'))).toEqual([
        null,
        'USER',
        'PASS',
        'LIST',
        'RETR',
        'QUIT',
        'summary',
      ]);
    } finally {
      px.remove();
    }
    const first = tsharkPop(file);
    expect(first.map((l) => l.split('\t')[1]!.toUpperCase())).toEqual([
      'USER',
      'PASS',
      'LIST',
      'RETR',
      'QUIT',
    ]);
    expect(first.find((l) => /pass/i.test(l))!.split('\t')[2]).toBe('******');

    // A second run appends a new section to the same file: tshark and show read both sessions.
    const px2 = await startProxyProcess(server.address().port, { extraArgs: ['--pcapng', file] });
    try {
      await session(px2.port, 'alice', 'wonderland');
      await px2.waitForSummaries(1);
      expect(await px2.stop()).toBe(0);
    } finally {
      px2.remove();
    }
    const bytes = readFileSync(file);
    let sections = 0;
    for (let at = 0; at < bytes.length; at += bytes.readUInt32LE(at + 4))
      if (bytes.readUInt32BE(at) === 0x0a0d0d0a) sections++;
    expect(sections).toBe(2);
    const both = tsharkPop(file);
    expect(new Set(both.map((l) => l.split('\t')[0]))).toEqual(new Set(['0', '1']));
    expect(both.filter((l) => /^USER$/i.test(l.split('\t')[1]!)).map((l) => l.split('\t')[2])).toEqual([
      'bob',
      'alice',
    ]);
    const shown = await showCaptureJson(file);
    expect(shown.filter((r) => r.type === 'summary').map((r) => r.user)).toEqual(['bob', 'alice']);
    for (const secret of ['hungry', 'wonderland', Buffer.from('hungry').toString('base64')])
      expect(bytes.includes(secret)).toBe(false);
  });

  it('an existing file that is not pcapng is refused: one line, exit 2, the file untouched', () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'my notes\n');
    const r = runCli([
      'proxy',
      '--upstream',
      `127.0.0.1:${server.address().port}`,
      '--listen',
      '127.0.0.1:0',
      '--pcapng',
      file,
    ]);
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l);
    expect(lines).toEqual([`pop3scope: ${file} exists and is not a pcapng file; refusing to append to it`]);
    expect(readFileSync(file, 'utf8')).toBe('my notes\n');
  });
});
