/**
 * `pop3scope proxy` loads its own command only (src/cli/main.ts COMMANDS), which keeps its heap under the 8 MB
 * where V8 starts incremental marking; with every command loaded it sat just past it, and the stream of socket
 * buffers made V8 mark the whole heap once per ~30 MB relayed (issue #18). The built CLI, V8's own defaults:
 * relaying 384 MiB must take at most 2 mark-compacts (1 measured; with every command loaded 3 to 12), and
 * `pop3scope --help` must still list every command. Over TLS on both sides the X.509 library (for the leaves)
 * lifted the heap past the threshold again until the CA moved to a thread of its own (tls/caWorker.ts):
 * 256 MiB took 13 and 19 mark-compacts in two runs, 2 and 2 since; at most 6 are allowed.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../src/tls/ca.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { tempHome } from '../helpers/tlsFixtures.js';

const BODY = Buffer.alloc(8 * 1024 * 1024, `${'a'.repeat(74)}\r\n`);
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

/** A server that greets, then answers every line with an 8 MiB multi-line response; over TLS with `leaf`. */
function bulkServer(leaf?: { certPem: string; keyPem: string }): Promise<number> {
  const serve = (s: net.Socket) => {
    s.on('error', () => {});
    s.write('+OK ready\r\n');
    s.on('data', () => s.write(Buffer.concat([Buffer.from('+OK\r\n'), BODY, Buffer.from('.\r\n')])));
  };
  const server = leaf
    ? tls.createServer({ cert: leaf.certPem, key: leaf.keyPem }, serve)
    : net.createServer(serve);
  cleanup.push(() => server.close());
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

/** Sends `n` commands one after another through `port` (over TLS if asked); resolves with the octets received. */
function pull(port: number, n: number, overTls = false): Promise<number> {
  return new Promise((resolve, reject) => {
    // The proxy's leaf comes from a CA of the test's own: what is measured here is the relay, not the trust.
    const s = overTls
      ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false })
      : net.connect(port, '127.0.0.1');
    let got = 0;
    let sent = 0;
    s.on('data', (c) => {
      got += c.length;
      const expected = 11 + sent * (BODY.length + 8);
      if (got < expected) return;
      if (sent === n) {
        s.destroy();
        resolve(got);
      } else {
        sent++;
        s.write(`RETR ${sent}\r\n`);
      }
    });
    s.on('error', reject);
  });
}

/**
 * Starts the built CLI's proxy under --trace-gc with `args`; `markCompacts` counts those since it listened
 * (the start-up's own are not the relay's).
 */
async function tracedProxy(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ port: number; markCompacts: () => number }> {
  const child = spawn(
    process.execPath,
    ['--trace-gc', 'dist/cli/main.js', 'proxy', '--quiet', '--listen', '127.0.0.1:0', ...args],
    { cwd: ROOT, env: { ...process.env, ...env } },
  );
  cleanup.push(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (t: string) => {
      stderr += t;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`proxy exited ${code}: ${stderr}`)));
  });
  const before = stdout.length;
  return { port, markCompacts: () => stdout.slice(before).match(/Mark-Compact/g)?.length ?? 0 };
}

describe('garbage collection in the CLI', () => {
  it('the proxy relays 384 MiB with at most 2 mark-compacts once it listens', {
    timeout: 60_000,
  }, async () => {
    const upstream = await bulkServer();
    const { port, markCompacts } = await tracedProxy(['--upstream', `127.0.0.1:${upstream}`]);
    const octets = await pull(port, 48);
    await new Promise((r) => setTimeout(r, 300));
    expect(octets).toBeGreaterThan(384 * 1024 * 1024);
    expect(markCompacts()).toBeLessThanOrEqual(2);
  });

  it('over TLS on both sides it relays 256 MiB with at most 6 mark-compacts', {
    timeout: 90_000,
  }, async () => {
    const upstreamCa = await CertificateAuthority.create();
    const upstream = await bulkServer(await upstreamCa.leaf(['127.0.0.1']));
    const caFile = `${tempHome()}/upstream-ca.pem`;
    writeFileSync(caFile, upstreamCa.certPem);
    const { port, markCompacts } = await tracedProxy(
      ['--upstream', `127.0.0.1:${upstream}`, '--upstream-tls', '--upstream-ca', caFile, '--listen-tls'],
      { POP3SCOPE_HOME: tempHome() },
    );
    const octets = await pull(port, 32, true);
    await new Promise((r) => setTimeout(r, 300));
    expect(octets).toBeGreaterThan(256 * 1024 * 1024);
    expect(markCompacts()).toBeLessThanOrEqual(6);
  });

  it('help still lists every command, each loaded for it', () => {
    const r = runCli(['--help']);
    expect(r.code).toBe(0);
    for (const name of [
      'demo',
      'proxy',
      'serve',
      'show',
      'report',
      'replay',
      'check',
      'export',
      'ca',
      'client',
      'faults',
    ])
      expect(r.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });
});
