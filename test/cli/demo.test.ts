/** `pop3scope demo`, the main job: the played modes and the by-hand instructions, as a user meets them. */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { curlPop3 } from '../helpers/clients.js';
import { itWithPeers } from '../helpers/peers.js';
import { parseJsonLines } from '../helpers/proxyProcess.js';

describe('pop3scope demo', () => {
  it('plays download-and-keep then download-and-delete through the proxy, as the seed describes', () => {
    const r = runCli(['demo', '--play', 'both', '--pace', '0', '--format', 'json', '--port', '31110']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/the proxy listens on 127\.0\.0\.1:\d+/);
    const all = parseJsonLines(r.stdout);
    const [keep, del] = all.filter((x) => x.type === 'summary');
    expect(keep).toMatchObject({ mode: 'download-and-keep', retrieved: [1, 2], marked: [], removed: [] });
    expect(del).toMatchObject({
      mode: 'download-and-delete',
      retrieved: [1, 2],
      marked: [1, 2],
      removed: [1, 2],
      discarded: [],
    });
    expect(del.phases.map((p: { phase: string }) => p.phase)).toEqual([
      'AUTHORIZATION',
      'TRANSACTION',
      'UPDATE',
    ]);
    const list = all.find(
      (x) => x.type === 'transaction' && x.session === del.session && x.command?.verb === 'LIST',
    );
    expect(list.response.listing).toEqual(['1 498', '2 912']);
    const retrs = all.filter(
      (x) => x.type === 'transaction' && x.command?.verb === 'RETR' && x.session === del.session,
    );
    expect(retrs.map((t) => t.response.bodyOctets)).toEqual([498, 912]);
    const dele = all.find((x) => x.type === 'transaction' && x.command?.verb === 'DELE');
    expect(dele.explain).toMatch(/NOT removed yet/);
    expect(r.stdout).not.toContain('hungry');
  });

  it('prints instructions that work as written: telnet-style user/pass/list/retr/dele/quit, then Ctrl-C exits 0', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--port', '32110', '--format', 'json'],
      { cwd: ROOT },
    );
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.stdout.on('data', (c) => (stdout += c));
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    try {
      await expect.poll(() => stderr, { timeout: 15_000 }).toMatch(/telnet 127\.0\.0\.1 (\d+)/);
      const port = Number(/telnet 127\.0\.0\.1 (\d+)/.exec(stderr)![1]);
      const typed = /\n\s+user bob\n\s+pass hungry\n\s+list\n\s+retr 1\n\s+dele 1\n\s+quit\n/.test(stderr);
      expect(typed).toBe(true);
      // Type exactly what the instructions say, one line at a time, as a person at telnet would.
      const socket = net.connect({ host: '127.0.0.1', port });
      let got = '';
      socket.on('data', (c) => (got += c.toString('latin1')));
      const closed = new Promise((r) => socket.on('close', r));
      const lines = ['user bob', 'pass hungry', 'list', 'retr 1', 'dele 1', 'quit'];
      await expect.poll(() => got, { timeout: 5000 }).toMatch(/^\+OK/);
      for (const line of lines) {
        const before = got.length;
        socket.write(`${line}\r\n`);
        await expect.poll(() => got.length > before && /\r\n$/.test(got), { timeout: 5000 }).toBe(true);
        if (line === 'list' || line === 'retr 1')
          await expect.poll(() => got.endsWith('\r\n.\r\n'), { timeout: 5000 }).toBe(true);
      }
      await closed;
      expect(got).toContain('1 498\r\n2 912\r\n.\r\n');
      await expect.poll(() => stdout, { timeout: 5000 }).toContain('"type":"summary"');
      const summary = parseJsonLines(stdout).find((x) => x.type === 'summary')!;
      expect(summary).toMatchObject({ user: 'bob', retrieved: [1], marked: [1], removed: [1] });
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});

describe('pop3scope demo --tls', () => {
  itWithPeers(
    ['curl'],
    'lets curl upgrade with STLS through the proxy, and the transcript shows the decrypted session',
    async () => {
      const home = mkdtempSync(join(tmpdir(), 'pop3scope-demo-tls-'));
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--tls', '--port', '33110', '--format', 'json'],
        {
          cwd: ROOT,
          env: { ...process.env, POP3SCOPE_HOME: home },
        },
      );
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (c) => (stderr += c));
      child.stdout.on('data', (c) => (stdout += c));
      const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
      try {
        await expect
          .poll(() => stderr, { timeout: 15_000 })
          .toMatch(/STLS: curl --ssl-reqd --cacert (\S+) pop3:\/\/bob:hungry@127\.0\.0\.1:(\d+)\//);
        const [, ca, port] =
          /STLS: curl --ssl-reqd --cacert (\S+) pop3:\/\/bob:hungry@127\.0\.0\.1:(\d+)\//.exec(stderr)!;
        const r = await curlPop3(`pop3://bob:hungry@127.0.0.1:${port}/`, ['--ssl-reqd', '--cacert', ca!]);
        expect(r.stdout).toBe('1 498\r\n2 912\r\n');
        await expect.poll(() => stdout, { timeout: 5000 }).toContain('"type":"summary"');
        const records = stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
        const tls = records.find((x) => x.type === 'tls');
        expect(tls).toMatchObject({ how: 'stls', visibility: 'decrypted', upstream: { verified: true } });
        const list = records.find((x) => x.type === 'transaction' && x.command?.verb === 'LIST');
        expect(list.response.listing).toEqual(['1 498', '2 912']);
        expect(records.find((x) => x.type === 'summary').tls).toBe('stls');
      } finally {
        child.kill('SIGINT');
      }
      expect(await exited).toBe(0);
    },
  );
});
