import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import { expect, it, vi } from 'vitest';

it('the README example is test/readme-example.ts, and it runs without leaking tensors', async () => {
  const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
  const example = readFileSync(fileURLToPath(new URL('./readme-example.ts', import.meta.url)), 'utf8');
  const block = /## Example[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBe(example);

  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  });
  try {
    await import('./readme-example.js');
  } finally {
    log.mockRestore();
  }
  expect(lines[0]).toMatch(/^image 0:/);
  expect(lines.at(-1)).toMatch(/^Fusion +Top-1 P/);
  expect(lines.at(-1)).toMatch(/\nlearned /);
  expect(tf.memory().numTensors).toBe(before);
});
