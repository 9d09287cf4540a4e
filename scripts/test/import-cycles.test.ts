import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findImportCycles, formatCycle, importGraph } from '../import-cycles.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const packageSources = readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name, 'src'));

describe('import cycles', () => {
  // One graph: a package's relative imports may reach internal/ (bundled into each package).
  const graph = importGraph([...packageSources, join(root, 'internal'), join(root, 'examples/lib')]);

  it('no package, internal/ or examples/lib has an import loop', () => {
    const cycles = findImportCycles(graph).map((cycle) => formatCycle(cycle, root));
    expect(cycles, `import loops:\n${cycles.join('\n')}`).toEqual([]);
  });

  it('reads the imports it checks (value, type-only and into internal/)', () => {
    const importsOf = (file: string): string[] =>
      (graph.edges.get(join(root, file)) ?? []).map((target) => target.slice(root.length + 1));
    expect(importsOf('packages/efficientnet/src/build.ts')).toEqual(
      expect.arrayContaining(['packages/efficientnet/src/init.ts', 'packages/efficientnet/src/efficientnet.ts']),
    );
    expect(importsOf('packages/efficientnet/src/init.ts')).toEqual(
      expect.arrayContaining(['internal/rng.ts', 'packages/efficientnet/src/efficientnet.ts']),
    );
    expect(graph.files.length).toBeGreaterThan(150);
  });
});

describe('findImportCycles', () => {
  const directory = mkdtempSync(join(tmpdir(), 'art-import-cycles-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const write = (file: string, text: string): void => {
    mkdirSync(dirname(join(directory, file)), { recursive: true });
    writeFileSync(join(directory, file), text);
  };

  it('finds loops through type-only imports, re-exports, index files and import()', () => {
    write('a.ts', "import { b } from './b.js';\nexport const a = b + 1;\n");
    write('b.ts', "import type { C } from './c/index.js';\nexport const b = 1;\nexport type B = C;\n");
    write('c/index.ts', "export * from '../a.js';\nexport type C = number;\n");
    write('d.ts', "export const d = () => import('./d.js');\n");
    write('e.ts', "import { a } from './a.js';\nimport tf from '@tensorflow/tfjs';\nexport const e = a;\n");
    const cycles = findImportCycles(importGraph([directory])).map((cycle) => formatCycle(cycle, directory));
    expect(cycles.sort()).toEqual(['a.ts → b.ts → c/index.ts → a.ts', 'd.ts → d.ts']);
  });

  it('is empty for a graph without loops', () => {
    const acyclic = join(directory, 'acyclic');
    mkdirSync(acyclic);
    writeFileSync(join(acyclic, 'x.ts'), "import { y } from './y.js';\nexport const x = y;\n");
    writeFileSync(join(acyclic, 'y.ts'), 'export const y = 1;\n');
    const graph = importGraph([acyclic]);
    expect(graph.edges.get(join(acyclic, 'x.ts'))).toEqual([join(acyclic, 'y.ts')]);
    expect(findImportCycles(graph)).toEqual([]);
  });
});
