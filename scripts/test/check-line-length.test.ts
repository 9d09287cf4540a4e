import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const checker = resolve(dirname(fileURLToPath(import.meta.url)), '../check-line-length.mjs');

describe('check-line-length', () => {
  const directory = mkdtempSync(join(tmpdir(), 'art-line-length-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const write = (file: string, text: string): void => {
    mkdirSync(dirname(join(directory, file)), { recursive: true });
    writeFileSync(join(directory, file), text);
  };
  const check = () => {
    execFileSync('git', ['add', '-A'], { cwd: directory });
    return spawnSync(process.execPath, [checker, directory], { encoding: 'utf8' });
  };
  execFileSync('git', ['init', '-q'], { cwd: directory });

  it('passes lines of 160 characters and exempts fixtures, dist/ and the generated wasm modules', () => {
    write('src/a.ts', `export const a = 1;\n// ${'x'.repeat(157)}\n// ${'é'.repeat(157)}\n`);
    write('packages/p/test/fixtures/data.ts', `// ${'x'.repeat(300)}\n`);
    write('packages/p/dist/index.js', `// ${'x'.repeat(300)}\n`);
    write('packages/augment/src/wasm/kernels-binary.ts', `// ${'x'.repeat(300)}\n`);
    write('packages/augment/src/io/jpeg-binary.ts', `// ${'x'.repeat(300)}\n`);
    write('notes.md', `${'x'.repeat(300)}\n`);
    const result = check();
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('names each line over 160 characters, even one carrying an opt-out comment, and exits 1', () => {
    write('src/b.mjs', `const b = 1;\nconst long = '${'y'.repeat(126)}'; // line-length: ok\n`);
    write('untracked.ts', `// ${'z'.repeat(300)}\n`);
    writeFileSync(join(directory, '.gitignore'), 'untracked.ts\n');
    const result = check();
    expect(result.status).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines.slice(0, -1)).toEqual(['src/b.mjs:2 (161 characters)']);
    expect(lines.at(-1)).toMatch(/^1 line\(s\) over 160 characters: split long strings/);
  });
});
