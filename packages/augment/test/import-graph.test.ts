/**
 * The package's import graph: no loops, and the layers stand on each other in one direction
 * (transforms → functional → cv → core/wasm), as the style guide's principle 17 asks.
 * Static imports and re-exports are read with TypeScript's own pre-processor (type-only imports
 * included: a loop through types still makes a reader go round in circles).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const sourceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative imports of every file, as paths relative to `root` (`cv/warp.ts`). */
function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, false);
    const targets: string[] = [];
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const base = resolve(dirname(file), fileName).replace(/\.js$/, '');
      const target = [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
      if (!target) throw new Error(`${relative(root, file)}: cannot resolve import "${fileName}"`);
      targets.push(relative(root, target));
    }
    graph.set(relative(root, file), targets);
  }
  return graph;
}

/** Every import loop, each as the path that closes it (`a.ts → b.ts → a.ts`). */
function importLoops(graph: Map<string, string[]>): string[] {
  const loops: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const target of graph.get(file) ?? []) {
      if (state.get(target) === 'open') loops.push([...stack.slice(stack.indexOf(target)), target].join(' → '));
      else if (!state.has(target)) visit(target);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return loops;
}

/** Layer of a file by its folder; a file may import only its own layer or lower ones. */
const LAYERS: Record<string, number> = { core: 0, wasm: 0, cv: 1, functional: 2, transforms: 3 };
const TOP = 4; // index.ts, serialization.ts, io/, pool/, parity/: they compose the layers below

function layerOf(file: string): number {
  // The repository's shared internal/ modules (the RNG) import nothing of ours: below every layer.
  if (file.startsWith('..')) return 0;
  const folder = file.includes('/') ? file.slice(0, file.indexOf('/')) : '';
  return LAYERS[folder] ?? TOP;
}

describe('import graph of @art/augment', () => {
  const graph = importGraph(sourceRoot);

  it('reads the whole source tree', () => {
    expect(graph.get('cv/resize.ts')).toContain('cv/crop.ts');
    expect(graph.get('serialization.ts')).toContain('transforms/registry.ts');
  });

  it('has no import loops', () => {
    expect(importLoops(graph)).toEqual([]);
  });

  it('finds a loop when there is one', () => {
    const looped = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
    ]);
    expect(importLoops(looped)).toEqual(['a.ts → b.ts → c.ts → a.ts']);
  });

  it('imports only downwards: transforms → functional → cv → core, wasm', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) if (layerOf(target) > layerOf(file)) upward.push(`${file} → ${target}`);
    }
    expect(upward).toEqual([]);
  });
});
