import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Integration suites start real peers (Dovecot, curl, fetchmail, mpop) on loopback; they get more time
// than unit tests, and the JSON report lets .ci/run prove that tests actually ran.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    passWithNoTests: false,
    // pop3scope's CA lives in $POP3SCOPE_HOME: tests must never create one in the real home directory.
    env: { POP3SCOPE_HOME: join(tmpdir(), `pop3scope-test-home-${process.pid}`) },
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
  },
});
