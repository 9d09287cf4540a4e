import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** One module's relative imports, resolved to files of the scanned set. */
export interface ImportGraph {
  /** Absolute paths of every scanned `.ts` file. */
  readonly files: readonly string[];
  /** File → the scanned files it imports (value and type imports, re-exports, `import()`). */
  readonly edges: ReadonlyMap<string, readonly string[]>;
}

/** Every `.ts` file below `directory` (declaration files excluded). */
function typeScriptFiles(directory: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) found.push(...typeScriptFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

/** `./x.js` → `./x.ts` or `./x/index.ts` (how `tsc` with NodeNext resolution reads them). */
function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const target = resolve(dirname(fromFile), specifier);
  const candidates = [target.replace(/\.js$/, '.ts'), `${target}.ts`, join(target, 'index.ts')];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

/**
 * The import graph of the TypeScript sources below `directories`: every relative import of a
 * scanned file that lands on another scanned file. Type-only imports count: a reader follows
 * them just the same, and they turn into value imports with one edit.
 * @example
 * const graph = importGraph(['packages/efficientnet/src']);
 */
export function importGraph(directories: readonly string[]): ImportGraph {
  const files = directories.flatMap((directory) => typeScriptFiles(resolve(directory))).sort();
  const scanned = new Set(files);
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map(({ fileName }) => fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => resolveRelative(file, specifier))
      .filter((target): target is string => target !== undefined && scanned.has(target));
    edges.set(file, [...new Set(targets)].sort());
  }
  return { files, edges };
}

/**
 * The import cycles of a graph: one per strongly connected component with more than one file
 * (or a file importing itself), as the file path around the loop, first file repeated at the
 * end. Empty when the graph has no loop.
 * @example
 * findImportCycles(importGraph(['packages/efficientnet/src'])); // []
 */
export function findImportCycles(graph: ImportGraph): string[][] {
  // Tarjan's strongly connected components, iterative so deep graphs cannot overflow the stack.
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of graph.files) {
    if (index.has(root)) continue;
    const work: { file: string; next: number }[] = [{ file: root, next: 0 }];
    index.set(root, counter);
    lowLink.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const targets = graph.edges.get(frame.file) ?? [];
      if (frame.next < targets.length) {
        const target = targets[frame.next++]!;
        if (!index.has(target)) {
          index.set(target, counter);
          lowLink.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ file: target, next: 0 });
        } else if (onStack.has(target)) {
          lowLink.set(frame.file, Math.min(lowLink.get(frame.file)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) lowLink.set(parent.file, Math.min(lowLink.get(parent.file)!, lowLink.get(frame.file)!));
      if (lowLink.get(frame.file) === index.get(frame.file)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.file);
        const selfImport = graph.edges.get(frame.file)?.includes(frame.file) ?? false;
        if (component.length > 1 || selfImport) components.push(component);
      }
    }
  }
  return components.map((component) => loopThrough(graph, new Set(component)));
}

/** A shortest loop from the component's first file (in path order) back to itself. */
function loopThrough(graph: ImportGraph, component: ReadonlySet<string>): string[] {
  const start = [...component].sort()[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const target of graph.edges.get(file) ?? []) {
      if (!component.has(target)) continue;
      if (target === start) {
        const path = [file];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return [...path, start];
      }
      if (!previous.has(target)) {
        previous.set(target, file);
        queue.push(target);
      }
    }
  }
  throw new Error(`import-cycles: no loop through ${start}, though it is in a strongly connected component`);
}

/** A cycle as one line of paths relative to `root`: `a.ts → b.ts → a.ts`. */
export function formatCycle(cycle: readonly string[], root: string): string {
  return cycle.map((file) => relative(root, file)).join(' → ');
}
