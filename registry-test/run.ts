/**
 * Registry test: the packages as a user gets them from a registry.
 *
 * 1. Copies the repository (tracked and untracked-but-not-ignored files) into a temp folder and
 *    runs `changeset version` there, so versions, inter-package ranges and CHANGELOGs are what a
 *    release would publish; the working tree is never modified.
 * 2. Builds every package there (its `build` script) and publishes it to a Verdaccio started on
 *    127.0.0.1 (storage in the temp folder, a throwaway user). `@art/*` is served only from what
 *    was published here (no uplink, so nobody else's `@art/*` can leak in); everything else is
 *    proxied from the registry npm is configured with (`npm config get registry`).
 * 3. In a fresh project in os.tmpdir() whose .npmrc points at that registry:
 *    `npm install @art/pyramid-pooling @tensorflow/tfjs` alone (and imports it: its own
 *    dependencies must be enough), then every other package, and checks each installed package:
 *    LICENSE, README.md and CHANGELOG.md shipped, every `files` entry, `exports` target and
 *    `sideEffects` pattern present, relative links of shipped Markdown resolve inside the
 *    tarball, `.d.ts.map` sources shipped.
 * 4. Runs every ```ts block of every shipped Markdown file (README.md, docs/) as written, after
 *    type-checking them all with `tsc --strict`. A block preceded by `<!-- not-run: reason -->`
 *    is skipped (the reason is printed).
 * 5. `require()`s and `import()`s every `exports` entry of every package in plain Node.
 * 6. `npx art train --recipe b3 --smoke --out <dir>` must write a submission.csv (while
 *    @art/competition has no `art` bin this step prints SKIPPED).
 *
 * Any failure exits 1 with a line naming the package, file and block. ART_REGISTRY_KEEP=1 keeps
 * the temp folder (it is also kept, and printed, on failure).
 *
 * Usage: npm run test:registry
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'art-registry-'));
const logDir = join(work, 'logs');
mkdirSync(logDir);
let verdaccio: ReturnType<typeof spawn> | undefined;
let freshProject: string | undefined;

class RegistryTestError extends Error {}

function step(message: string): void {
  console.log(`[registry-test ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);
}

function fail(message: string): never {
  throw new RegistryTestError(message);
}

/** Failures of independent checks, reported together at the end (one does not hide another). */
const failures: string[] = [];
function check(action: () => void): void {
  try {
    action();
  } catch (error) {
    if (!(error instanceof RegistryTestError)) throw error;
    failures.push(error.message);
    console.error(`FAILED: ${error.message}`);
  }
}

/** The environment for child npm/node processes: without what `npm run` injects (its
 *  `npm_config_local_prefix` would make a child `npm install` install into this repository,
 *  and this repository's project config is not the fresh project's). */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      /^npm_(package_|lifecycle_|command$|execpath$|config_(local_prefix|loglevel|registry|user_agent|workspaces?|onnxruntime_node_install)$)/i.test(
        key,
      )
    )
      continue;
    env[key] = value;
  }
  return { ...env, NO_UPDATE_NOTIFIER: '1', ...extra };
}

let logCount = 0;
/** Runs a command; on a non-zero exit fails with `what`, the log file and the output's tail. */
function run(
  what: string,
  command: string,
  args: string[],
  options: SpawnSyncOptions & { timeoutS?: number } = {},
): string {
  const logFile = join(
    logDir,
    `${String(++logCount).padStart(2, '0')}-${what.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.log`,
  );
  const result = spawnSync(command, args, {
    env: childEnv(),
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
    timeout: (options.timeoutS ?? 600) * 1000,
    ...options,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  writeFileSync(logFile, `$ ${command} ${args.join(' ')}\n(cwd ${String(options.cwd ?? process.cwd())})\n\n${output}`);
  if (result.error || result.status !== 0) {
    const why = result.error
      ? result.error.message
      : result.signal
        ? `killed by ${result.signal}`
        : `exit code ${result.status}`;
    const tail = output.trim().split('\n').slice(-40).join('\n');
    fail(`${what} failed (${why}); full log: ${logFile}\n${tail}`);
  }
  return result.stdout?.toString() ?? '';
}

const npmCli =
  process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath) ? process.env.npm_execpath : undefined;
function npm(what: string, args: string[], options: SpawnSyncOptions & { timeoutS?: number } = {}): string {
  return npmCli ? run(what, process.execPath, [npmCli, ...args], options) : run(what, 'npm', args, options);
}

function readJson<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  files?: string[];
  exports?: Record<string, unknown>;
  bin?: string | Record<string, string>;
  sideEffects?: boolean | string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

interface WorkspacePackage {
  dir: string;
  json: PackageJson;
}

/** The published packages, each after the @art packages it depends on (build order). */
function workspacePackages(root: string): WorkspacePackage[] {
  const packagesDir = join(root, 'packages');
  const pending = readdirSync(packagesDir)
    .filter((name) => existsSync(join(packagesDir, name, 'package.json')))
    .map((name) => ({
      dir: join(packagesDir, name),
      json: readJson<PackageJson>(join(packagesDir, name, 'package.json')),
    }))
    .filter((pkg) => !pkg.json.private);
  const ordered: WorkspacePackage[] = [];
  while (pending.length > 0) {
    const ready = pending.findIndex((pkg) =>
      Object.keys({ ...pkg.json.dependencies, ...pkg.json.devDependencies, ...pkg.json.peerDependencies }).every(
        (dependency) => !pending.some((other) => other !== pkg && other.json.name === dependency),
      ),
    );
    if (ready < 0) fail(`dependency cycle among ${pending.map((pkg) => pkg.json.name).join(', ')}`);
    ordered.push(...pending.splice(ready, 1));
  }
  return ordered;
}

/** Copies what git would commit (tracked + untracked, not ignored) to `target`. */
function copyRepository(target: string): void {
  const listed = run('git ls-files', 'git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
  });
  for (const file of new Set(listed.split('\0').filter(Boolean))) {
    const source = join(repoRoot, file);
    if (!existsSync(source) || !statSync(source).isFile()) continue; // deleted in the working tree
    mkdirSync(dirname(join(target, file)), { recursive: true });
    copyFileSync(source, join(target, file));
  }
  // Build tools (tsup, tsc, changesets) come from this checkout's install; @art/* resolve to the
  // copy's packages (their freshly built dist), not to this checkout's.
  mkdirSync(join(target, 'node_modules', '@art'), { recursive: true });
  for (const entry of readdirSync(join(repoRoot, 'node_modules'))) {
    if (entry !== '@art') symlinkSync(join(repoRoot, 'node_modules', entry), join(target, 'node_modules', entry));
  }
  for (const pkg of workspacePackages(repoRoot)) {
    symlinkSync(join(target, relative(repoRoot, pkg.dir)), join(target, 'node_modules', pkg.json.name), 'dir');
  }
  for (const pkg of workspacePackages(repoRoot)) {
    const nested = join(pkg.dir, 'node_modules');
    if (existsSync(nested)) symlinkSync(nested, join(target, relative(repoRoot, nested)), 'dir');
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function startVerdaccio(upstream: string): Promise<string> {
  const root = join(work, 'verdaccio');
  mkdirSync(join(root, 'storage'), { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const config = join(root, 'config.yaml');
  writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(join(root, 'storage'))}`,
      'auth:',
      '  htpasswd:',
      `    file: ${JSON.stringify(join(root, 'htpasswd'))}`,
      '    max_users: 1',
      'uplinks:',
      '  upstream:',
      `    url: ${JSON.stringify(upstream)}`,
      '    timeout: 120s',
      'packages:',
      "  '@art/*':",
      '    access: $all',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      '    proxy: upstream',
      'max_body_size: 200mb',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const verdaccioBin = join(repoRoot, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
  const { openSync } = await import('node:fs');
  const log = openSync(join(logDir, 'verdaccio.log'), 'a');
  verdaccio = spawn(process.execPath, [verdaccioBin, '--config', config, '--listen', `127.0.0.1:${port}`], {
    env: childEnv(),
    stdio: ['ignore', log, log],
  });
  let exited: string | undefined;
  verdaccio.once('exit', (code, signal) => (exited = `exit code ${code ?? signal}`));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited) fail(`Verdaccio stopped at start-up (${exited}); log: ${join(logDir, 'verdaccio.log')}`);
    try {
      if ((await fetch(`${url}-/ping`)).ok) return url;
    } catch {
      // not listening yet
    }
    await new Promise((wait) => setTimeout(wait, 250));
  }
  fail(`Verdaccio did not answer on ${url} within 60 s; log: ${join(logDir, 'verdaccio.log')}`);
}

/** Creates the throwaway publishing user and returns its token. */
async function createUser(registry: string): Promise<string> {
  const name = 'registry-test';
  const response = await fetch(`${registry}-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name,
      password: `pw-${process.pid}-${Date.now()}`,
      type: 'user',
      roles: [],
      date: new Date().toISOString(),
    }),
  });
  const body = (await response.json()) as { token?: string; error?: string };
  if (!response.ok || !body.token)
    fail(`could not create a user on the local registry: ${response.status} ${body.error ?? ''}`);
  return body.token;
}

// ---------------------------------------------------------------------------------------------
// Checks on an installed package.

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : listFiles(path, base);
    return [relative(base, path).split(sep).join('/')];
  });
}

/** `*` matches within one path segment, `**` across segments (the patterns bundlers accept). */
function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/^\.\//, '')
    .split(/(\*\*\/?|\*)/)
    .map((part) =>
      part.startsWith('**') ? '(?:.*/)?' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${body}$`);
}

function exportTargets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(exportTargets);
  return [];
}

function checkInstalledPackage(name: string, dir: string): void {
  const json = readJson<PackageJson>(join(dir, 'package.json'));
  const files = listFiles(dir);
  const has = (path: string) => files.includes(path.replace(/^\.\//, ''));
  const problems: string[] = [];
  for (const required of ['LICENSE', 'README.md', 'CHANGELOG.md'])
    if (!has(required)) problems.push(`${required} is not in the tarball`);
  if (
    has('LICENSE') &&
    readFileSync(join(dir, 'LICENSE'), 'utf8') !== readFileSync(join(repoRoot, 'LICENSE'), 'utf8')
  ) {
    problems.push('LICENSE differs from the repository root LICENSE (copy the root one into the package folder)');
  }
  for (const entry of json.files ?? []) {
    const clean = entry.replace(/^\.\//, '').replace(/\/$/, '');
    if (!files.some((file) => file === clean || file.startsWith(`${clean}/`) || globToRegExp(clean).test(file))) {
      problems.push(`"files" lists ${entry}, which is not in the tarball`);
    }
  }
  for (const target of exportTargets(json.exports))
    if (!has(target)) problems.push(`"exports" points at ${target}, which is not in the tarball`);
  const bins = typeof json.bin === 'string' ? [json.bin] : Object.values(json.bin ?? {});
  for (const bin of bins) if (!has(bin)) problems.push(`"bin" points at ${bin}, which is not in the tarball`);
  if (Array.isArray(json.sideEffects)) {
    for (const pattern of json.sideEffects) {
      if (!files.some((file) => globToRegExp(pattern).test(file)))
        problems.push(`"sideEffects" names ${pattern}, which matches no file in the tarball`);
    }
  }
  for (const markdown of files.filter((file) => file.endsWith('.md'))) {
    const text = readFileSync(join(dir, markdown), 'utf8');
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = match[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith('#')) continue; // URL or same-page anchor
      const target = join(dirname(markdown), link.split('#')[0]!).split(sep).join('/');
      if (!files.some((file) => file === target || file.startsWith(`${target}/`))) {
        const line = text.slice(0, match.index).split('\n').length;
        problems.push(`${markdown}:${line} links to ${link}, which is not in the tarball (ship it, or link it by URL)`);
      }
    }
  }
  for (const map of files.filter((file) => file.endsWith('.d.ts.map'))) {
    const { sources } = readJson<{ sources: string[] }>(join(dir, map));
    for (const source of sources) {
      const target = join(dirname(map), source).split(sep).join('/');
      if (!has(target)) problems.push(`${map} maps to ${source}, which is not in the tarball`);
    }
  }
  if (problems.length > 0) fail(`${name}@${json.version}: packaging problems:\n  ${problems.join('\n  ')}`);
}

// ---------------------------------------------------------------------------------------------
// README blocks.

interface CodeBlock {
  pkg: string;
  /** shipped Markdown file, relative to the package */
  markdown: string;
  /** 1-based line of the opening fence */
  line: number;
  code: string;
  lang: string;
  notRun?: string;
}

function codeBlocks(pkg: string, dir: string, markdown: string): CodeBlock[] {
  const lines = readFileSync(join(dir, markdown), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^```\s*([\w-]*)/.exec(lines[index]!);
    if (!open) continue;
    const end = lines.findIndex((line, at) => at > index && /^```\s*$/.test(line));
    if (end < 0) fail(`${pkg}/${markdown}:${index + 1}: code block is never closed`);
    const lang = open[1]!.toLowerCase();
    if (['ts', 'typescript', 'js', 'javascript'].includes(lang)) {
      let previous = index - 1;
      while (previous >= 0 && lines[previous]!.trim() === '') previous--;
      const marker = previous >= 0 ? /^<!--\s*not-run:\s*(.*?)\s*-->$/.exec(lines[previous]!.trim()) : null;
      if (marker && !marker[1]) fail(`${pkg}/${markdown}:${previous + 1}: a not-run marker needs a reason`);
      blocks.push({
        pkg,
        markdown,
        line: index + 1,
        code: lines.slice(index + 1, end).join('\n'),
        lang,
        ...(marker ? { notRun: marker[1]! } : {}),
      });
    }
    index = end;
  }
  return blocks;
}

function blockName(block: CodeBlock): string {
  return `${block.pkg.replace('@art/', '')}/${block.markdown.replace(/\.md$/, '').replace(/[^a-z0-9]+/gi, '-')}-L${block.line}`;
}

function describe(block: CodeBlock): string {
  return `${block.pkg} ${block.markdown}:${block.line} (\`\`\`${block.lang} block)`;
}

function runReadmeBlocks(project: string, packages: { name: string; dir: string }[]): void {
  const blocks = packages.flatMap(({ name, dir }) =>
    listFiles(dir)
      .filter((file) => file.endsWith('.md') && file !== 'CHANGELOG.md')
      .sort()
      .flatMap((markdown) => codeBlocks(name, dir, markdown)),
  );
  const runnable = blocks.filter((block) => !block.notRun);
  for (const block of blocks.filter((block) => block.notRun)) step(`not run: ${describe(block)}: ${block.notRun}`);
  const fileOf = new Map<string, CodeBlock>();
  for (const block of runnable) {
    const file = join(project, 'readme', `${blockName(block)}.${block.lang.startsWith('t') ? 'ts' : 'mjs'}`);
    mkdirSync(dirname(file), { recursive: true });
    // `export {}` keeps every block a module of its own (no shared globals); it adds no line before the code.
    writeFileSync(file, `${block.code}\nexport {};\n`);
    fileOf.set(relative(project, file).split(sep).join('/'), block);
  }

  step(`type-checking ${runnable.length} README blocks with tsc --strict`);
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          types: ['node'],
          noEmit: true,
          skipLibCheck: true,
        },
        include: ['readme/**/*.ts'],
      },
      null,
      2,
    ),
  );
  const tsc = spawnSync(
    process.execPath,
    [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--pretty', 'false'],
    {
      cwd: project,
      encoding: 'utf8',
      env: childEnv(),
    },
  );
  if (tsc.status !== 0) {
    const errors = `${tsc.stdout}${tsc.stderr}`
      .trim()
      .split('\n')
      .map((line) => {
        const at = /^(readme\/[^(]+)\((\d+),(\d+)\): (.*)$/.exec(line);
        const block = at ? fileOf.get(at[1]!) : undefined;
        return block ? `${block.pkg} ${block.markdown}:${block.line + Number(at![2])}:${at![3]} ${at![4]}` : line;
      });
    // Reported at the end; the blocks still run, so a run-time failure is not hidden by a type error.
    check(() => fail(`README examples do not type-check under --strict:\n  ${errors.join('\n  ')}`));
  }

  for (const [file, block] of fileOf) {
    const cwd = join(project, 'run', blockName(block));
    mkdirSync(cwd, { recursive: true });
    const began = Date.now();
    check(() => {
      try {
        run(`README block ${blockName(block)}`, process.execPath, ['--import', 'tsx', join(project, file)], {
          cwd,
          timeoutS: 600,
        });
      } catch (error) {
        if (error instanceof RegistryTestError)
          fail(`${describe(block)} failed when run as written:\n${error.message}`);
        throw error;
      }
      step(`ran ${describe(block)} (${((Date.now() - began) / 1000).toFixed(1)} s)`);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Entry points.

function checkEntryPoints(project: string, name: string, only?: string): void {
  const json = readJson<PackageJson>(join(project, 'node_modules', name, 'package.json'));
  const specifiers = Object.keys(json.exports ?? { '.': null })
    .filter((key) => !key.includes('*'))
    .map((key) => (key === '.' ? name : `${name}${key.slice(1)}`))
    .filter((specifier) => !only || specifier === only);
  const loadExpression = {
    require: 'require(specifier)',
    import: "await import(specifier, specifier.endsWith('.json') ? { with: { type: 'json' } } : undefined)",
  };
  // One process per package and module system, so one failure cannot hide another.
  const script = (kind: 'require' | 'import') => `
    const failures = [];
    for (const specifier of ${JSON.stringify(specifiers)}) {
      try {
        const loaded = ${loadExpression[kind]};
        if (Object.keys(loaded).length === 0) failures.push(specifier + ': ${kind} gave an empty module');
      } catch (error) {
        failures.push(specifier + ': ' + (error.code ? error.code + ': ' : '') + String(error.message).split('\\n')[0]);
      }
    }
    if (failures.length) { console.error(failures.join('\\n')); process.exit(1); }`;
  for (const kind of ['require', 'import'] as const) {
    const result = spawnSync(
      process.execPath,
      [...(kind === 'require' ? ['--input-type=commonjs'] : ['--input-type=module']), '-e', script(kind)],
      {
        cwd: project,
        encoding: 'utf8',
        env: childEnv(),
        timeout: 300_000,
      },
    );
    if (result.status !== 0) {
      let output = `${result.stderr}`.trim();
      if (output.includes('ERR_REQUIRE_ESM'))
        output += `\n  (Node ${process.version} cannot require() ES modules; Node 20.19+ and 22.12+ can)`;
      if (output.includes('ERR_REQUIRE_ASYNC_MODULE'))
        output += '\n  (a module of its import graph, a dependency included, uses top-level await; import it lazily)';
      fail(
        `${name}: ${kind === 'require' ? 'CommonJS require()' : 'ESM import()'} of its entry points failed:\n  ${output.split('\n').join('\n  ')}`,
      );
    }
    step(`${kind === 'require' ? 'require()' : 'import()'} ok: ${specifiers.join(', ')}`);
  }
}

// ---------------------------------------------------------------------------------------------

function installedVersion(name: string): string {
  return readJson<PackageJson>(join(repoRoot, 'node_modules', name, 'package.json')).version;
}

async function main(): Promise<void> {
  step(`work folder ${work}`);
  const upstream = npm('npm config get registry', ['config', 'get', 'registry'], {
    cwd: repoRoot,
    env: { ...process.env },
  }).trim();

  step('copying the repository and running `changeset version` in the copy');
  const copy = join(work, 'repo');
  copyRepository(copy);
  run(
    'changeset version',
    process.execPath,
    [join(repoRoot, 'node_modules', '@changesets', 'cli', 'bin.js'), 'version'],
    { cwd: copy },
  );
  const packages = workspacePackages(copy);
  for (const pkg of packages) step(`  ${pkg.json.name}@${pkg.json.version}`);

  step('building every package (tsup)');
  for (const pkg of packages) npm(`build ${pkg.json.name}`, ['run', 'build'], { cwd: pkg.dir });

  step(`starting Verdaccio (uplink for everything but @art/*: ${upstream})`);
  const registry = await startVerdaccio(upstream);
  const token = await createUser(registry);
  const publishConfig = join(work, 'publish.npmrc');
  writeFileSync(publishConfig, `//${new URL(registry).host}/:_authToken=${token}\n`);
  for (const pkg of packages) {
    npm(
      `publish ${pkg.json.name}`,
      ['publish', '--registry', registry, '--userconfig', publishConfig, '--access', 'public', '--ignore-scripts'],
      { cwd: pkg.dir },
    );
    step(`published ${pkg.json.name}@${pkg.json.version} to ${registry}`);
  }

  const project = mkdtempSync(join(tmpdir(), 'art-fresh-project-'));
  freshProject = project;
  step(`fresh project ${project}`);
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'art-fresh-project', private: true, type: 'module' }, null, 2)}\n`,
  );
  writeFileSync(join(project, '.npmrc'), `registry=${registry}\n@art:registry=${registry}\nfund=false\naudit=false\n`);
  {
    const tfjs = `@tensorflow/tfjs@${installedVersion('@tensorflow/tfjs')}`;
    step(`npm install @art/pyramid-pooling ${tfjs}`);
    npm('npm install @art/pyramid-pooling', ['install', '@art/pyramid-pooling', tfjs], { cwd: project });
    checkEntryPoints(project, '@art/pyramid-pooling'); // with only its own dependencies installed

    const others = packages.map((pkg) => pkg.json.name).filter((name) => name !== '@art/pyramid-pooling');
    const tools = ['tsx', 'typescript', '@types/node'].map((name) => `${name}@${installedVersion(name)}`);
    step(`npm install ${others.join(' ')} ${tools.join(' ')}`);
    npm('npm install the other packages', ['install', ...others, ...tools], { cwd: project });

    const installed = packages.map((pkg) => ({
      name: pkg.json.name,
      dir: join(project, 'node_modules', pkg.json.name),
    }));
    for (const { name, dir } of installed) {
      const version = readJson<PackageJson>(join(dir, 'package.json')).version;
      const published = packages.find((pkg) => pkg.json.name === name)!.json.version;
      if (version !== published) fail(`${name}: installed ${version}, but ${published} was published`);
      check(() => checkInstalledPackage(name, dir));
    }
    step('packaging checks done (LICENSE, README, CHANGELOG, files, exports, bin, sideEffects, links, .d.ts.map)');

    for (const { name } of installed) check(() => checkEntryPoints(project, name));

    check(() => runReadmeBlocks(project, installed));

    check(() => artSmoke(project));
  }
  if (failures.length > 0) {
    fail(
      `${failures.length} check(s) failed (details above):\n${failures.map((failure) => `  - ${failure.split('\n').slice(0, 2).join(' ')}`).join('\n')}`,
    );
  }
}

/** `art train --recipe b3 --smoke` in the fresh project must write a submission with rows. */
function artSmoke(project: string): void {
  const out = join(project, 'art-smoke');
  step('npx art train --recipe b3 --smoke');
  npm(
    'art train --recipe b3 --smoke',
    ['exec', '--no', '--', 'art', 'train', '--recipe', 'b3', '--smoke', '--out', out],
    { cwd: project, timeoutS: 900 },
  );
  const submissions = existsSync(out) ? listFiles(out).filter((file) => file.endsWith('submission.csv')) : [];
  if (submissions.length === 0) fail(`art train --recipe b3 --smoke wrote no submission.csv under ${out}`);
  for (const file of submissions) {
    const rows = readFileSync(join(out, file), 'utf8').trim().split('\n');
    if (rows.length < 2) fail(`art train --recipe b3 --smoke: ${file} has no data rows`);
  }
  step(`art smoke ok: ${submissions.join(', ')}`);
}

main()
  .then(() => {
    step('registry test passed');
    if (process.env.ART_REGISTRY_KEEP !== '1')
      for (const dir of [work, freshProject]) if (dir) rmSync(dir, { recursive: true, force: true });
  })
  .catch((error: unknown) => {
    console.error(
      `\nregistry test FAILED: ${error instanceof RegistryTestError ? error.message : error instanceof Error ? error.stack : String(error)}`,
    );
    console.error(`(temp files kept in ${work}${freshProject ? ` and ${freshProject}` : ''})`);
    process.exitCode = 1;
  })
  .finally(() => verdaccio?.kill());
