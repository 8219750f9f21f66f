/**
 * README.md's "Use it from code" examples run against the source tree (src/index.ts, through tsx), so a change
 * of the public API that the README does not follow fails here at once; pack.test.ts runs the same code, as
 * written, against the installed package.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { prepareExampleFolder, readmeExamples, runReadmeExamples } from './readmeExamples.js';

const work = mkdtempSync(join(tmpdir(), 'pop3scope-readme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('README "Use it from code"', () => {
  it('imports only the package itself, by its name', () => {
    for (const code of readmeExamples()) {
      const from = [...code.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(from.filter((name) => !name.startsWith('node:'))).toEqual(['pop3scope']);
    }
  });

  it('its examples run against the source tree and print what the README says', () => {
    prepareExampleFolder(work);
    const index = pathToFileURL(join(ROOT, 'src', 'index.ts')).href;
    // tsx by its path: the examples run from a temporary folder, where `--import tsx` would not resolve.
    const tsx = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    runReadmeExamples(
      work,
      [process.execPath, '--import', tsx],
      { ...process.env, FORCE_COLOR: '0' },
      (code) => code.replaceAll("from 'pop3scope'", `from '${index}'`),
    );
  });
});
