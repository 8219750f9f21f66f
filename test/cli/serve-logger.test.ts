/**
 * `serve --verbose` logs through log/logger.ts, so its lines get the same redaction as every other pop3scope
 * log. The logger serve hands to the embedded server is caught on its way in; what it writes to stderr (fd 2)
 * is caught at the fs calls pino's destination makes.
 */
import fs from 'node:fs';
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';

const seen = vi.hoisted(() => ({ logger: undefined as unknown }));

vi.mock('../../src/server/server.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/server/server.js')>();
  return {
    ...real,
    startServer: (o: Parameters<typeof real.startServer>[0]) => {
      seen.logger = o?.logger;
      return real.startServer(o);
    },
  };
});

const { startServe } = await import('../../src/cli/serve.js');

/** Everything written to fd 2 while `fn` runs, synchronously or not; other descriptors are written as usual. */
async function stderrOf(fn: () => Promise<void>): Promise<string> {
  let text = '';
  const realSync = fs.writeSync;
  const realWrite = fs.write;
  const sync = vi.spyOn(fs, 'writeSync').mockImplementation(((
    fd: number,
    data: unknown,
    ...rest: unknown[]
  ) => {
    if (fd !== 2) return (realSync as (...a: unknown[]) => number)(fd, data, ...rest);
    text += String(data);
    return Buffer.byteLength(String(data));
  }) as typeof fs.writeSync);
  const write = vi.spyOn(fs, 'write').mockImplementation(((fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd !== 2) return (realWrite as (...a: unknown[]) => void)(fd, data, ...rest);
    text += String(data);
    const done = rest.at(-1) as (e: null, n: number) => void;
    process.nextTick(() => done(null, Buffer.byteLength(String(data))));
  }) as typeof fs.write);
  try {
    await fn();
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    sync.mockRestore();
    write.mockRestore();
  }
  return text;
}

const quiet = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

afterEach(() => {
  seen.logger = undefined;
});

describe('serve --verbose logging', () => {
  it('regression: its logger is log/logger.ts, so a secret-bearing field is censored (was a bare pino)', async () => {
    const text = await stderrOf(async () => {
      const server = await startServe({ listen: '127.0.0.1:0', verbose: true }, quiet());
      const logger = seen.logger as Logger;
      expect(logger).toBeDefined();
      logger.info(
        { password: 'probe-secret-1', user: { secret: 'probe-secret-2' }, token: 'probe-3' },
        'probe',
      );
      logger.flush?.();
      await server.close();
    });
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === 'probe')).toMatchObject({
      app: 'pop3scope',
      password: '<redacted>',
      user: { secret: '<redacted>' },
      token: '<redacted>',
    });
    expect(text).not.toContain('probe-secret');
    expect(text).not.toContain('probe-3');
    expect(lines.find((l) => l.msg === 'listening')).toMatchObject({
      app: 'pop3scope',
      component: 'pop3-server',
    });
  });

  it('without --verbose nothing is logged', async () => {
    const text = await stderrOf(async () => {
      const server = await startServe({ listen: '127.0.0.1:0' }, quiet());
      (seen.logger as Logger).error({ password: 'probe-secret' }, 'probe');
      await server.close();
    });
    expect(text).toBe('');
  });
});
