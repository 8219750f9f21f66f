// The layering rules of docs/ARCHITECTURE.md, checked on the import statements of src/ (issue 13): no import
// cycle (type-only imports count), no I/O module in the sans-IO engine, protocol ← analysis, nothing imports cli.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cycles, importGraph, moduleEdges, specifiers } from './imports.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const graph = importGraph(SRC);
const edges = moduleEdges(graph);

// Node modules that do I/O (the base name, after any 'node:' prefix and before any '/promises').
const IO_MODULES = new Set([
  'net',
  'tls',
  'fs',
  'child_process',
  'dgram',
  'dns',
  'http',
  'https',
  'http2',
  'readline',
  'tty',
  'worker_threads',
  'cluster',
]);
const ioModule = (specifier: string): boolean =>
  IO_MODULES.has(specifier.replace(/^node:/, '').split('/')[0] as string);

const inDir = (dir: string) => (path: string) => path.startsWith(`${dir}/`);

describe('import scanner', () => {
  it('finds static, re-exported, type-only, bare and dynamic imports, over several lines', () => {
    const text = [
      "import { a } from './a.js';",
      'import {',
      '  b,',
      '  type B,',
      "} from '../b.js';",
      "import type { C } from './c.js';",
      "export * from './d.js';",
      "export { e as f } from './e.js';",
      "export type { G } from './g.js';",
      "import * as h from 'node:fs';",
      "import 'reflect-metadata';",
      "  const { I } = await import('./i.js');",
      "let j: import('node:net').Socket;",
    ].join('\n');
    expect(specifiers(text).sort()).toEqual(
      [
        './a.js',
        '../b.js',
        './c.js',
        './d.js',
        './e.js',
        './g.js',
        'node:fs',
        'reflect-metadata',
        './i.js',
        'node:net',
      ].sort(),
    );
  });

  it('ignores imports mentioned in comments and strings', () => {
    const text = [
      "// import { a } from './a.js';",
      "/* import { b } from './b.js'; */",
      " * export * from './c.js';",
      'const s = "import { d } from \'./d.js\'";',
      "const from = 'x';",
    ].join('\n');
    expect(specifiers(text)).toEqual([]);
  });

  it('reads the real tree: every module, with its relative imports resolved', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(edges.get('analysis/inspector.ts')).toContain('protocol/session.ts');
    expect(edges.get('cli/main.ts')?.length).toBeGreaterThan(3);
  });
});

describe('cycle finder', () => {
  const g = (pairs: Record<string, string[]>) => new Map(Object.entries(pairs));

  it('finds two- and three-module cycles and a module importing itself', () => {
    expect(cycles(g({ a: ['b'], b: ['a'] }))).toEqual([['a', 'b']]);
    expect(cycles(g({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] }))).toEqual([['a', 'b', 'c']]);
    expect(cycles(g({ a: ['a'], b: [] }))).toEqual([['a']]);
    expect(cycles(g({ a: ['b'], b: ['a'], c: ['d'], d: ['c'] }))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('finds none in a graph without cycles (shared dependencies are not cycles)', () => {
    expect(cycles(g({ a: ['b', 'c'], b: ['c'], c: [], d: ['a', 'c'] }))).toEqual([]);
  });
});

describe('layering of src/', () => {
  it('has no import cycle (type-only imports count)', () => {
    expect(cycles(edges).map((c) => c.join(' ↔ '))).toEqual([]);
  });

  it('protocol/, analysis/ and faults/ import no Node I/O module (they are sans-IO)', () => {
    const offenders = [...graph]
      .filter(([from]) => inDir('protocol')(from) || inDir('analysis')(from) || inDir('faults')(from))
      .flatMap(([from, imports]) =>
        imports.filter((i) => ioModule(i.specifier)).map((i) => `${from} → ${i.specifier}`),
      );
    expect(offenders).toEqual([]);
  });

  it('diagram/ and web/page/ import no Node module at all (they are bundled for the browser)', () => {
    const offenders = [...graph]
      .filter(([from]) => inDir('diagram')(from) || inDir('web/page')(from))
      .flatMap(([from, imports]) =>
        imports
          .filter((i) => i.specifier.startsWith('node:') || ioModule(i.specifier))
          .map((i) => `${from} → ${i.specifier}`),
      );
    expect(offenders).toEqual([]);
  });

  // Modules below everything that import nothing at all: the engine may use them (plural nouns, list checks).
  const PURE_BASE = ['exhaustive.ts', 'words.ts'];
  const pureBase = (path: string) => PURE_BASE.includes(path);

  it('the pure base modules import nothing', () => {
    for (const m of PURE_BASE) expect(graph.get(m)?.map((i) => i.specifier)).toEqual([]);
  });

  it('protocol/ imports only protocol/; analysis/ only protocol/ and analysis/ (and the pure base)', () => {
    const offenders = [...edges].flatMap(([from, targets]) => {
      const allowed = inDir('protocol')(from)
        ? [inDir('protocol'), pureBase]
        : inDir('analysis')(from)
          ? [inDir('protocol'), inDir('analysis'), pureBase]
          : undefined;
      if (allowed === undefined) return [];
      return targets.filter((t) => !allowed.some((ok) => ok(t))).map((t) => `${from} → ${t}`);
    });
    expect(offenders).toEqual([]);
  });

  // The layers of docs/ARCHITECTURE.md, lowest first: a module imports only from its own layer or lower ones.
  const LAYERS: readonly (readonly string[])[] = [
    ['exhaustive.ts', 'hostPort.ts', 'listen.ts', 'version.ts', 'words.ts'],
    ['protocol'],
    ['analysis'],
    ['client'],
    ['faults'],
    ['events.ts'],
    ['capture'],
    ['render'],
    ['diagram'],
    ['log'],
    ['tls'],
    ['server'],
    ['proxy'],
    ['replay'],
    ['demo'],
    ['ui'],
    ['web'],
    ['index.ts'],
    ['cli'],
  ];
  const layerOf = (path: string): number => {
    const top = path.split('/')[0] as string;
    const i = LAYERS.findIndex((layer) => layer.includes(top));
    if (i < 0) throw new Error(`${path}: in no layer of the architecture test; add its folder to LAYERS`);
    return i;
  };

  it('every module sits in a layer and imports only its own layer or lower ones', () => {
    const offenders = [...edges].flatMap(([from, targets]) =>
      targets.filter((t) => layerOf(t) > layerOf(from)).map((t) => `${from} → ${t}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the layer rule can fail: an upward import is reported', () => {
    const upward = new Map([['protocol/x.ts', ['ui/y.ts']]]);
    const offenders = [...upward].flatMap(([from, targets]) =>
      targets.filter((t) => layerOf(t) > layerOf(from)),
    );
    expect(offenders).toEqual(['ui/y.ts']);
    expect(() => layerOf('newthing/z.ts')).toThrow(/in no layer/);
  });

  it('nothing outside cli/ imports cli/', () => {
    const offenders = [...edges].flatMap(([from, targets]) =>
      inDir('cli')(from) ? [] : targets.filter(inDir('cli')).map((t) => `${from} → ${t}`),
    );
    expect(offenders).toEqual([]);
  });
});
