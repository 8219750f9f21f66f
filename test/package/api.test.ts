/**
 * The public API (src/index.ts): its runtime surface is deliberate, so adding or removing an export is a change
 * made here too, on purpose; importing it loads none of the heavy libraries that only some commands need.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { ROOT } from '../helpers/cli.js';

describe('the public API', () => {
  it('exports exactly the documented values', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        // the engine
        'Inspector',
        'VIOLATIONS',
        // capture files
        'analyzeCapture',
        'CaptureAnalyzer',
        'CAPTURE_FORMAT',
        'CAPTURE_VERSION',
        'CaptureError',
        'readCapture',
        'CaptureWriter',
        // the proxy and its sinks
        'DEFAULT_GREETING_TIMEOUT_MS',
        'ProxyServer',
        'captureSink',
        'liveSink',
        'logSink',
        // the embedded server
        'startServer',
        'MaildirStore',
        'MemoryStore',
        // renderers
        'summaryLines',
        'TranscriptPrinter',
        'transactionLines',
        'styleFor',
        'JSON_VERSION',
        'jsonLine',
        'jsonRecord',
        'markdownReport',
        'VERSION',
      ].sort(),
    );
  });

  it('VERSION is the package version', async () => {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
    expect(api.VERSION).toBe(pkg.version);
  });

  it('the engine works through it: bytes in, typed events out, secrets masked', () => {
    const engine = new api.Inspector('s1');
    const events = [
      ...engine.receive('s2c', Buffer.from('+OK ready\r\n'), 1),
      ...engine.receive('c2s', Buffer.from('USER u\r\n'), 2),
      ...engine.receive('s2c', Buffer.from('+OK\r\n'), 3),
      ...engine.receive('c2s', Buffer.from('PASS topsecret\r\n'), 4),
      ...engine.receive('s2c', Buffer.from('+OK\r\n'), 5),
      ...engine.close(6),
    ];
    const lines = events.flatMap((e) => new api.TranscriptPrinter().event(e));
    expect(lines).toContain('C: PASS <redacted 9 octets>');
    expect(JSON.stringify(events.map(api.jsonRecord))).not.toContain('topsecret');
    expect(events.at(-1)).toMatchObject({ type: 'summary', summary: { user: 'u', auth: 'USER/PASS' } });
  });

  it('loads neither the dashboard (blessed) nor the X.509 library', () => {
    const index = pathToFileURL(join(ROOT, 'src', 'index.ts')).href;
    const hook = `data:text/javascript,${encodeURIComponent(
      "export async function resolve(s, c, next) { if (/blessed|@peculiar|reflect-metadata/.test(s)) console.log('LOADED ' + s); return next(s, c); }",
    )}`;
    const register = `import { register } from 'node:module'; register(${JSON.stringify(hook)});`;
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        `data:text/javascript,${encodeURIComponent(register)}`,
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(index)}); console.log('imported');`,
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('imported');
  });
});
