// Writes a package's type declarations with declaration maps (`dist/**/*.d.ts` + `.d.ts.map`,
// one per source file, mapping to the shipped `src/`), so "go to definition" in a user's editor
// opens our TypeScript source instead of a bundled .d.ts. tsup's `dts` bundles declarations and
// cannot write maps. Run from a package folder after tsup (its `build` script), after the @art
// packages it imports are built: their types come from their dist, not from sources via `paths`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const packageDir = process.cwd();
const workspaceRoot = resolve(packageDir, '..', '..');
const sourceDir = join(packageDir, 'src');
const distDir = join(packageDir, 'dist');
// Sources may import the workspace's internal/ helpers (bundled into the JS by tsup), so the
// program's root is the workspace; outputs are staged under it and moved: src/x → dist/x.
const stagingDir = join(distDir, '.declarations');
const parsed = ts.getParsedCommandLineOfConfigFile(
  join(packageDir, 'tsconfig.json'),
  {
    noEmit: false,
    declaration: true,
    declarationMap: true,
    emitDeclarationOnly: true,
    sourceMap: false,
    rootDir: workspaceRoot,
    outDir: stagingDir,
  },
  { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (diagnostic) => fail([diagnostic]) },
);
// The workspace's `paths` point @art/* at their sources, which would pull them into this
// package's program; packages resolve through node_modules (their built dist) instead.
const options = { ...parsed.options, paths: undefined };
const isSource = (file) => !relative(sourceDir, file).startsWith('..');
const program = ts.createProgram(parsed.fileNames.filter(isSource), options);
const diagnostics = [...ts.getPreEmitDiagnostics(program)];
if (diagnostics.length > 0) fail(diagnostics);

// src/x → dist/x; the workspace's internal/ helpers that a public declaration re-exports are
// shipped as dist/_internal/ (declarations only: their sources are not in the package).
const stagedSources = join(stagingDir, relative(workspaceRoot, sourceDir));
const stagedInternal = join(stagingDir, 'internal');
const inside = (dir, file) => !relative(dir, file).startsWith('..');
function targetOf(stagedFile) {
  if (inside(stagedSources, stagedFile)) return join(distDir, relative(stagedSources, stagedFile));
  if (inside(stagedInternal, stagedFile)) return join(distDir, '_internal', relative(stagedInternal, stagedFile));
  return undefined;
}
const posix = (path) => path.split('\\').join('/');
const emitted = program.emit(undefined, (stagedFile, text) => {
  const target = targetOf(stagedFile);
  if (!target) return;
  if (target.endsWith('.d.ts.map')) {
    if (inside(stagedInternal, stagedFile)) return;
    const map = JSON.parse(text);
    map.sources = map.sources.map((source) => posix(relative(dirname(target), resolve(dirname(stagedFile), source))));
    text = JSON.stringify(map);
  } else {
    if (inside(stagedInternal, stagedFile)) text = text.replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n');
    // Relative imports into internal/ follow it to dist/_internal/.
    text = text.replace(/(['"])(\.\.?\/[^'"]+)\1/g, (whole, quote, specifier) => {
      const staged = resolve(dirname(stagedFile), specifier);
      if (!inside(stagedInternal, staged)) return whole;
      const moved = posix(relative(dirname(target), targetOf(staged)));
      return `${quote}${moved.startsWith('.') ? moved : `./${moved}`}${quote}`;
    });
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
});
if (emitted.diagnostics.length > 0) fail(emitted.diagnostics);

function fail(list) {
  const host = { getCanonicalFileName: (name) => name, getCurrentDirectory: () => packageDir, getNewLine: () => '\n' };
  console.error(`build-declarations (${relative(workspaceRoot, packageDir)}):\n${ts.formatDiagnostics(list, host)}`);
  process.exit(1);
}
