/** Golden tests: every sample capture, shown as JSON, matches its checked-in expected output exactly. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { showJson } from '../fixtures/golden.js';
import { SAMPLES } from '../fixtures/samples.js';
import { sampleCapture } from '../fixtures/writeSamples.js';

const captures = readdirSync(new URL('../../captures/', import.meta.url)).filter((f) => f.endsWith('.jsonl'));
const SECRETS = ['hungry', 'wonderland', 'aHVuZ3J5', 'd29uZGVybGFuZA', 'AGJvYgBodW5ncnk'];

describe('golden captures', () => {
  it('has the five hand-made samples and expected output for every capture', () => {
    for (const s of SAMPLES) expect(captures).toContain(`${s.name}.jsonl`);
    const expected = readdirSync(new URL('../../captures/expected/', import.meta.url));
    for (const c of captures) expect(expected).toContain(c.replace(/\.jsonl$/, '.json'));
  });

  for (const file of captures) {
    it(`show --format json of ${file} matches captures/expected`, async () => {
      const actual = await showJson(`captures/${file}`);
      const expected = readFileSync(
        new URL(`../../captures/expected/${file.replace(/\.jsonl$/, '.json')}`, import.meta.url),
        'utf8',
      );
      expect(actual).toBe(expected);
    });

    it(`${file} holds no cleartext secret`, () => {
      const text = readFileSync(new URL(`../../captures/${file}`, import.meta.url), 'utf8');
      for (const secret of SECRETS) expect(text).not.toContain(secret);
    });
  }

  // The rule is for the whole folder, prose included: captures/README.md once quoted the demo's password.
  it('no file anywhere in captures/ holds a demo password or its base64 forms', () => {
    const root = new URL('../../captures/', import.meta.url);
    const files = readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath, d.name));
    expect(files.length).toBeGreaterThan(captures.length);
    for (const path of files) {
      const text = readFileSync(path, 'latin1');
      for (const secret of SECRETS) expect(text, path).not.toContain(secret);
    }
  });

  for (const sample of SAMPLES) {
    it(`captures/${sample.name}.jsonl is what its dialogue produces today`, () => {
      const text = readFileSync(new URL(`../../captures/${sample.name}.jsonl`, import.meta.url), 'utf8');
      expect(text).toBe(sampleCapture(sample));
    });
  }
});
