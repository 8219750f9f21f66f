// The import graph of src/, read from the source text: enough for the layering rules in architecture.test.ts
// without a dependency-analysis package. Type-only imports are edges too: a cycle through types still ties
// two modules together (neither can be read, moved or published without the other).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface ImportEdge {
  /** The specifier as written: './x.js', 'node:fs'. */
  readonly specifier: string;
  /** The imported file, relative to the root with '/' separators, for relative specifiers; else undefined. */
  readonly target: string | undefined;
}

// Statements only at the start of a line (so comments and strings that mention imports do not count); the
// clause before `from` is identifiers, braces, commas, `*` and `as`/`type`, possibly over several lines.
const STATIC = /^[ \t]*(?:import|export)\b[\w\s{},*$]*?\bfrom\s*['"]([^'"\n]+)['"]/gm;
const BARE = /^[ \t]*import\s*['"]([^'"\n]+)['"]/gm;
// Dynamic imports and `import('x').T` type positions, anywhere in an expression.
const DYNAMIC = /\bimport\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g;

/** Every import specifier in a module's text, in no particular order. */
export function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const re of [STATIC, BARE, DYNAMIC]) {
    for (const m of text.matchAll(re)) found.push(m[1] as string);
  }
  return found;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

const slashed = (path: string): string => path.split(sep).join('/');

/** The graph of every .ts file under root: module path (relative, '/') → its imports. */
export function importGraph(root: string): Map<string, ImportEdge[]> {
  const graph = new Map<string, ImportEdge[]>();
  for (const file of tsFiles(root)) {
    const edges = specifiers(readFileSync(file, 'utf8')).map((specifier): ImportEdge => {
      if (!specifier.startsWith('.')) return { specifier, target: undefined };
      // NodeNext: the source imports './x.js' for the file ./x.ts.
      const path = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      if (!existsSync(path))
        throw new Error(`${slashed(relative(root, file))}: cannot resolve '${specifier}'`);
      return { specifier, target: slashed(relative(root, path)) };
    });
    graph.set(slashed(relative(root, file)), edges);
  }
  return graph;
}

/** Strongly connected components with more than one module, or one module importing itself (Tarjan). */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found.sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
}

/** The module-to-module edges of an import graph (relative imports only). */
export function moduleEdges(graph: ReadonlyMap<string, readonly ImportEdge[]>): Map<string, string[]> {
  return new Map(
    [...graph].map(([from, edges]) => [
      from,
      edges.flatMap((e) => (e.target === undefined ? [] : [e.target])),
    ]),
  );
}
