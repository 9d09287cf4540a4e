import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { afterAll, describe, expect, it, vi } from 'vitest';

const readme = readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '../README.md'), 'utf8');
// Every ```ts block runs, except the notebook cell, which imports through Deno's npm: specifier.
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
const runnable = blocks.filter((code) => !code.includes("'npm:@art/metrics'"));

describe('README examples', () => {
  const tempDir = mkdtempSync(join(tmpdir(), 'art-metrics-readme-'));
  afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

  async function run(code: string, name: string): Promise<unknown[][]> {
    const path = join(tempDir, `${name}.ts`);
    writeFileSync(path, code);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import(pathToFileURL(path).href);
      return log.mock.calls;
    } finally {
      log.mockRestore();
    }
  }

  it('has the example, the notebook cell and the display example', () => {
    expect(blocks).toHaveLength(3);
    expect(runnable).toHaveLength(2);
  });

  it('the main example runs and prints what its comments say', async () => {
    const calls = await run(runnable[0]!, 'example');
    expect(calls[0]![0]).toBeCloseTo(0.6555555555555556, 15);
    // The report in the comments is the printed one, line for line.
    const lines = runnable[0]!.split('\n');
    const start =
      lines.findIndex((line) => line.includes('classificationReport(yTrue, yPred, { labels }).toText()')) + 1;
    const end = lines.findIndex((line, index) => index >= start && !line.startsWith('//'));
    const commented = lines.slice(start, end).map((line) => line.replace(/^\/\/ ?/, ''));
    expect(commented).toHaveLength(9);
    expect(String(calls[1]![0]).trimEnd().split('\n')).toEqual(commented);
    expect(calls[2]![0]).toBe(1);
    expect(calls[4]![0]).toBe(1);
    expect(calls[5]![0]).toBe(1);
    expect(calls[6]![0]).toBeCloseTo(2 / 3, 15);
    expect(calls[6]![1]).toBeCloseTo(0.6555555555555556, 15);
    expect(calls[6]![2]).toEqual({ 1: 4 / 6, 2: 1 });
  });

  it('the display example prints the MIME types', async () => {
    const calls = await run(runnable[1]!, 'display');
    expect(calls[0]![0]).toEqual(['application/vnd.vegalite.v5+json', 'text/html', 'text/plain']);
  });
});
