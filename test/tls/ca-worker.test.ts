/**
 * pop3scope's CA in a thread of its own (src/tls/caWorker.ts), as the proxy uses it, and the bound on the leaves
 * a CA keeps (src/tls/limits.ts MAX_CACHED_LEAVES).
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../src/tls/ca.js';
import { caFiles } from '../../src/tls/caFiles.js';
import { caInWorker } from '../../src/tls/caWorker.js';
import { MAX_CACHED_LEAVES } from '../../src/tls/limits.js';
import { ROOT } from '../helpers/cli.js';
import { tempHome } from '../helpers/tlsFixtures.js';

describe('the CA in a worker thread', () => {
  it('creates the CA once and issues leaves it signed, for the names asked', {
    timeout: 30_000,
  }, async () => {
    const files = caFiles({ POP3SCOPE_HOME: tempHome() });
    const ca = await caInWorker(files);
    try {
      const leaf = await ca.leaf(['mail.example.test', '127.0.0.1']);
      const root = new X509Certificate(readFileSync(files.certPath));
      const cert = new X509Certificate(leaf.certPem);
      expect(cert.checkIssued(root)).toBe(true);
      expect(cert.verify(root.publicKey)).toBe(true);
      // Sorted, as the CA keys its leaves.
      expect(cert.subjectAltName).toBe('IP Address:127.0.0.1, DNS:mail.example.test');
      expect(leaf.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(statSync(files.keyPath).mode & 0o777).toBe(0o600);
    } finally {
      await ca.close();
    }
    // A second thread loads the same CA instead of making another.
    const again = await caInWorker(files);
    try {
      const root = new X509Certificate(readFileSync(files.certPath));
      expect(new X509Certificate((await again.leaf(['localhost'])).certPem).checkIssued(root)).toBe(true);
    } finally {
      await again.close();
    }
  });

  it("rejects with the CA's own error when its files are not a CA", { timeout: 30_000 }, async () => {
    const files = caFiles({ POP3SCOPE_HOME: tempHome() });
    writeFileSync(files.certPath, 'not a certificate\n');
    writeFileSync(files.keyPath, 'not a key\n', { mode: 0o600 });
    const error = await caInWorker(files).then(
      () => null,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    // The library's own reason, not the thread's "stopped" that a lost error would leave.
    expect(error!.message).not.toMatch(/thread stopped|^$/);
  });

  it('after close, a leaf is refused instead of waiting forever', { timeout: 30_000 }, async () => {
    const ca = await caInWorker(caFiles({ POP3SCOPE_HOME: tempHome() }));
    await ca.close();
    await expect(ca.leaf(['localhost'])).rejects.toThrow(/stopped/);
  });

  it('keeps a process alive while it works, and not once it is idle', { timeout: 60_000 }, () => {
    // Nothing else holds this process open: it must wait for the thread's start and the leaf (it exited with
    // 13, "unsettled top-level await", when the thread never kept it alive), then exit by itself (it hung when
    // the idle thread kept it alive, and so did every `proxy --listen-tls` after Ctrl-C).
    const home = join(tempHome(), 'ca');
    const script = `
      import { caFiles } from './src/tls/caFiles.ts';
      import { caInWorker } from './src/tls/caWorker.ts';
      const ca = await caInWorker(caFiles({ POP3SCOPE_HOME: ${JSON.stringify(home)} }));
      const leaf = await ca.leaf(['localhost']);
      console.log('issued', leaf.certPem.length > 0);
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.signal, 'still running after 30 s').toBeNull();
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('issued true');
    expect(r.status).toBe(0);
  });
});

describe('the leaves a CA keeps', () => {
  it(`keeps at most ${MAX_CACHED_LEAVES}, dropping the least recently asked for`, {
    timeout: 60_000,
  }, async () => {
    const ca = await CertificateAuthority.create();
    const first = await ca.leaf(['kept.test']);
    expect(await ca.leaf(['kept.test'])).toBe(first);
    const fill = (from: number, n: number) =>
      Promise.all(Array.from({ length: n }, (_, i) => ca.leaf([`host${from + i}.test`])));
    await fill(0, MAX_CACHED_LEAVES - 1); // now full, kept.test the oldest
    expect(await ca.leaf(['kept.test'])).toBe(first); // asked again: now the newest
    await fill(MAX_CACHED_LEAVES, 1); // one more drops host0.test, not kept.test
    expect(await ca.leaf(['kept.test'])).toBe(first);
    const host1 = await ca.leaf(['host1.test']);
    await fill(10_000, MAX_CACHED_LEAVES);
    // Both long since dropped: issued anew.
    expect((await ca.leaf(['kept.test'])).certPem).not.toBe(first.certPem);
    expect((await ca.leaf(['host1.test'])).certPem).not.toBe(host1.certPem);
  });
});
