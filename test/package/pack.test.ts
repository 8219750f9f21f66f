/**
 * Regression (issue 12): `npm pack` on a clean clone shipped 7 files and no dist/, so an installed pop3scope did
 * not exist. Regression (issue 13): `"main": "dist/index.js"` named a file that did not exist, so
 * `import('pop3scope')` failed. This test makes a clean clone of the working tree (the files git would give,
 * uncommitted work included, no dist/), packs it (prepack must build), installs the tarball globally into a
 * temporary prefix and, from another folder, runs the installed command and imports the installed library
 * (README's "Use it from code" examples, as written; its TypeScript types too), as a new user would.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { prepareExampleFolder, runReadmeExamples } from './readmeExamples.js';

const DEMO_SECRETS = ['hungry', 'wonderland', 'aHVuZ3J5', 'd29uZGVybGFuZA'];

/** The environment of a user's shell: none of the npm_* variables `npm test` sets for its own scripts. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = value;
  }
  return { ...env, FORCE_COLOR: '0', NO_COLOR: '1' };
}

/**
 * The files a fresh `git clone` of this tree would have, plus untracked ones not ignored (uncommitted work).
 * Outside a git checkout (a source tarball): everything but what the build and `npm ci` make.
 */
function cloneFiles(): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.split('\0').filter((f) => f !== '' && existsSync(join(ROOT, f)));
  } catch {
    const skip = new Set(['.git', '.bench', 'node_modules', 'dist', 'test-results.json']);
    return readdirSync(ROOT, { recursive: true, encoding: 'utf8' }).filter((f) => {
      const top = f.split(/[\\/]/)[0]!;
      return !skip.has(top) && statSync(join(ROOT, f)).isFile();
    });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], cwd: string, timeout = 60_000) {
  const r = spawnSync(cmd, args, { cwd, env: userEnv(), encoding: 'utf8', timeout });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

describe('the published package (npm pack → global install → run)', () => {
  let work: string;
  let tarball: string;
  let bin: string;
  let installed: string;
  let elsewhere: string;
  let files: string[];

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'pop3scope-pack-'));
    const clone = join(work, 'clone');
    for (const file of cloneFiles()) {
      mkdirSync(dirname(join(clone, file)), { recursive: true });
      cpSync(join(ROOT, file), join(clone, file));
    }
    expect(existsSync(join(clone, 'dist'))).toBe(false);
    // The clone's `npm ci` would give the same tree; linking it keeps the test offline and fast.
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
    const packed = run('npm', ['pack', '--pack-destination', work], clone);
    // A failed prepack (the build) shows its own output.
    expect(packed.code, `npm pack failed:\n${packed.stdout}${packed.stderr}`).toBe(0);
    const tgz = readdirSync(work).filter((f) => f.endsWith('.tgz'));
    expect(tgz).toHaveLength(1);
    tarball = join(work, tgz[0]!);
    const prefix = join(work, 'prefix');
    // The dependencies come from npm's cache when it has them (CI's `npm ci` fills it): no network needed then.
    const install = run(
      'npm',
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
      work,
    );
    expect(install.code, `npm install -g:\n${install.stderr}`).toBe(0);
    bin = join(prefix, 'bin', 'pop3scope');
    installed = join(prefix, 'lib', 'node_modules', 'pop3scope');
    elsewhere = join(work, 'elsewhere');
    mkdirSync(elsewhere);
    files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships the built CLI and library, the licence and the sample captures, but no source maps and no sources', () => {
    expect(files).toContain('package/dist/cli/main.js');
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/LICENSE');
    expect(files).toContain('package/README.md');
    expect(files).toContain('package/captures/seed-download-and-delete.jsonl');
    expect(files).toContain('package/schema/json-output.schema.json');
    expect(files).toContain('package/schema/capture.schema.json');
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).toEqual([]);
    const main = execFileSync('tar', ['-xzOf', tarball, 'package/dist/cli/main.js'], { encoding: 'utf8' });
    expect(main).not.toContain('sourceMappingURL');
  });

  it("package.json's entry points name files the package ships", () => {
    const pkg = JSON.parse(
      execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
    );
    const targets: string[] = [pkg.main, pkg.types, ...Object.values<string>(pkg.bin)];
    const walk = (value: unknown): void => {
      if (typeof value === 'string') targets.push(value);
      else if (value && typeof value === 'object') for (const v of Object.values(value)) walk(v);
    };
    walk(pkg.exports);
    expect(pkg.exports['.']).toMatchObject({ types: './dist/index.d.ts', import: './dist/index.js' });
    for (const target of targets) {
      const path = `package/${target.replace(/^\.\//, '')}`;
      // A subpath pattern ("./schema/*") must match at least one shipped file.
      if (path.includes('*')) {
        const [head, tail] = path.split('*') as [string, string];
        expect(
          files.some((f) => f.startsWith(head) && f.endsWith(tail)),
          target,
        ).toBe(true);
      } else expect(files, target).toContain(path);
    }
  });

  it('pop3scope --help works from another folder, and the captures its examples name are installed', () => {
    expect(existsSync(bin)).toBe(true);
    const r = run(bin, ['--help'], elsewhere);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: pop3scope');
    const named = [...r.stdout.matchAll(/captures\/[\w.-]+\.jsonl/g)].map((m) => m[0]);
    expect(named.length).toBeGreaterThan(0);
    for (const file of named) expect(existsSync(join(installed, file)), file).toBe(true);
    const show = run(bin, ['show', join(installed, 'captures', 'seed-download-and-delete.jsonl')], elsewhere);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/C: retr 1/i);
  });

  /**
   * A global install is on PATH, not on the module path: ESM import() ignores NODE_PATH and the global folder.
   * A program imports it the way `npm link pop3scope` sets it up, through a node_modules/pop3scope link to the
   * installed package, so what is imported is exactly the installed tree (its own dependencies included).
   */
  function linkInstalled(): void {
    const modules = join(elsewhere, 'node_modules');
    if (existsSync(join(modules, 'pop3scope'))) return;
    mkdirSync(modules, { recursive: true });
    symlinkSync(installed, join(modules, 'pop3scope'), 'dir');
  }

  it('node -e "import(\'pop3scope\')" from another folder loads the installed library', () => {
    linkInstalled();
    const r = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('pop3scope'); const e = new m.Inspector('s1').receive('s2c', Buffer.from('+OK hi\\r\\n'), 0); console.log(JSON.stringify({ url: import.meta.resolve('pop3scope'), version: m.VERSION, events: e.map((x) => x.type) }));",
      ],
      elsewhere,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.url).toMatch(/\/dist\/index\.js$/);
    expect(out.version).toBe(
      JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }))
        .version,
    );
    expect(out.events).toEqual(['data', 'transaction', 'phase']);
  });

  it('README\'s "Use it from code" examples run, as written, against the installed package', () => {
    linkInstalled();
    prepareExampleFolder(elsewhere);
    runReadmeExamples(elsewhere, [process.execPath], userEnv());
  });

  it('its TypeScript types are found and are not `any`', () => {
    linkInstalled();
    writeFileSync(
      join(elsewhere, 'use.ts'),
      [
        "import { type EngineEvent, Inspector, type SessionSummary } from 'pop3scope';",
        "const events: EngineEvent[] = new Inspector('s1').close(0);",
        'const last = events.at(-1);',
        "if (last?.type === 'summary') { const s: SessionSummary = last.summary; console.log(s.mode); }",
        '// @ts-expect-error: a session id is a string',
        'new Inspector(1);',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(elsewhere, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules', '@types')],
        },
        files: ['use.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
    const r = run(tsc, ['-p', join(elsewhere, 'tsconfig.json')], elsewhere);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('pop3scope demo --play both --no-ui --pace 0 plays both sessions from another folder', async () => {
    const port = await freePort();
    const r = run(
      bin,
      ['demo', '--play', 'both', '--no-ui', '--pace', '0', '--port', String(port)],
      elsewhere,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('C: RETR 1');
    expect(r.stdout).toMatch(/summary of session s1/);
    expect(r.stdout).toMatch(/summary of session s2/);
    expect(r.stdout).toContain('mode download-and-delete');
    for (const secret of DEMO_SECRETS) {
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
  });
});
