/** The one logger factory: every logger it makes (file, stderr, silent) carries the redaction and pop3scope's name. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../src/log/logger.js';

const dir = mkdtempSync('/tmp/pop3scope-log-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createLogger', () => {
  it('censors secret-bearing fields, at the top and one level down, in a log file', () => {
    const file = join(dir, 'a.log');
    const logger = createLogger({ file, level: 'info' });
    logger.info(
      {
        password: 'p1-secret',
        pass: 'p2-secret',
        digest: 'd-secret',
        session: { token: 't-secret' },
        user: 'bob',
      },
      'login',
    );
    logger.debug({ password: 'below-level' }, 'not written');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      app: 'pop3scope',
      msg: 'login',
      user: 'bob',
      password: '<redacted>',
      pass: '<redacted>',
      digest: '<redacted>',
      session: { token: '<redacted>' },
    });
    expect(lines[0]).not.toMatch(/secret|below-level/);
  });

  it('silentLogger writes nothing, its children neither', () => {
    const logger = silentLogger();
    expect(logger.level).toBe('silent');
    expect(logger.isLevelEnabled('fatal')).toBe(false);
    const child = logger.child({ component: 'x' });
    expect(child.level).toBe('silent');
  });
});
