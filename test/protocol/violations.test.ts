/** The violation table is a published contract: every code documented, every entry complete. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VIOLATIONS } from '../../src/protocol/violations.js';
import { ROOT } from '../helpers/cli.js';

describe('VIOLATIONS', () => {
  it('docs/json-output.md lists exactly the codes of the table', () => {
    const doc = readFileSync(join(ROOT, 'docs/json-output.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Violation codes'));
    const listed = [...section.matchAll(/\bPOP3_[A-Z0-9_]+\b/g)].map((m) => m[0]);
    expect(new Set(listed)).toEqual(new Set(Object.keys(VIOLATIONS)));
  });

  it('every code has a severity, a reference, a culprit and a title', () => {
    for (const [code, spec] of Object.entries(VIOLATIONS)) {
      expect(code).toMatch(/^POP3_[A-Z0-9_]+$/);
      expect(['error', 'warning', 'info']).toContain(spec.severity);
      expect(['client', 'server', 'either', 'proxy', 'capture']).toContain(spec.culprit);
      expect(spec.rfc).toMatch(/^(RFC \d+ §[\d.]+|docs\/[a-z-]+\.md)/);
      expect(spec.title.length).toBeGreaterThan(10);
    }
  });
});
