/**
 * Builds the browser page's bundle (issue #16): src/web/page/main.ts and src/web/page/page.css into
 * dist/web/page.js and dist/web/page.css, which web/html.ts inlines into the report file and the live page.
 * esbuild bundles, it does not type-check: tsconfig.page.json does that (npm run typecheck).
 *   node scripts/build-page.mjs
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/web`;
mkdirSync(outdir, { recursive: true });

const common = {
  bundle: true,
  minify: true,
  logLevel: 'warning',
  legalComments: 'none',
  absWorkingDir: root,
};
await build({
  ...common,
  entryPoints: { page: 'src/web/page/main.ts' },
  outdir,
  format: 'iife',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  // The script is inlined in a <script> element: esbuild escapes "</script" in strings for it.
  supported: { 'inline-script': true },
});
await build({ ...common, entryPoints: { page: 'src/web/page/page.css' }, outdir, target: ['chrome110'] });
