/**
 * Before/after timing of each registered kernel on EfficientNet-B0 shapes (batch 4, 224 px),
 * single-threaded. "Before" is the stock tfjs-backend-wasm kernel, or for the three kernels it
 * lacks, plain-JS loops (bench/naive-kernels.ts). Reports process CPU time per call (robust
 * on a machine shared with other jobs) and wall time.
 */
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../src/index.js';
import { registerNaiveKernels } from './naive-kernels.js';

interface Case {
  kernel: string;
  label: string;
  inputs: Record<string, number[]>;
  attrs: Record<string, unknown>;
}

const conv = (x: number[], f: number[], strides: number, pad: string, dy: number[]) => ({ x, f, strides, pad, dy });
const convShapes = [
  conv([4, 225, 225, 3], [3, 3, 3, 32], 2, 'valid', [4, 112, 112, 32]),
  conv([4, 56, 56, 24], [1, 1, 24, 144], 1, 'valid', [4, 56, 56, 144]),
  conv([4, 14, 14, 480], [1, 1, 480, 80], 1, 'valid', [4, 14, 14, 80]),
];
const depthwiseShapes = [
  conv([4, 112, 112, 32], [3, 3, 32, 1], 1, 'same', [4, 112, 112, 32]),
  conv([4, 113, 113, 96], [3, 3, 96, 1], 2, 'valid', [4, 56, 56, 96]),
  conv([4, 28, 28, 240], [5, 5, 240, 1], 1, 'same', [4, 28, 28, 240]),
];

export const kernelCases: Case[] = [
  ...convShapes.map((c) => ({
    kernel: 'Conv2DBackpropFilter',
    label: `x${JSON.stringify(c.x)} k${c.f[0]} s${c.strides}`,
    inputs: { x: c.x, dy: c.dy },
    attrs: { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f },
  })),
  ...convShapes.slice(1).map((c) => ({
    kernel: 'Conv2DBackpropInput',
    label: `dy${JSON.stringify(c.dy)} k${c.f[0]} s${c.strides}`,
    inputs: { dy: c.dy, filter: c.f },
    attrs: { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x },
  })),
  ...depthwiseShapes.map((c) => ({
    kernel: 'DepthwiseConv2dNativeBackpropInput',
    label: `dy${JSON.stringify(c.dy)} k${c.f[0]} s${c.strides}`,
    inputs: { dy: c.dy, filter: c.f },
    attrs: { strides: c.strides, pad: c.pad, dilations: 1, inputShape: c.x },
  })),
  ...depthwiseShapes.map((c) => ({
    kernel: 'DepthwiseConv2dNativeBackpropFilter',
    label: `x${JSON.stringify(c.x)} k${c.f[0]} s${c.strides}`,
    inputs: { x: c.x, dy: c.dy },
    attrs: { strides: c.strides, pad: c.pad, dilations: 1, filterShape: c.f },
  })),
  {
    kernel: 'Tile',
    label: '[1,1,1,144] -> [4,56,56,144]',
    inputs: { x: [1, 1, 1, 144] },
    attrs: { reps: [4, 56, 56, 1] },
  },
  { kernel: 'Identity', label: '[4,56,56,144]', inputs: { x: [4, 56, 56, 144] }, attrs: {} },
];

function timeKernel(c: Case, repeats: number): { cpuMs: number; wallMs: number } {
  const inputs: Record<string, tf.Tensor> = {};
  for (const [name, shape] of Object.entries(c.inputs)) inputs[name] = tf.randomUniform(shape, -1, 1);
  const run = () => tf.dispose(tf.engine().runKernel(c.kernel, inputs, c.attrs as tf.NamedAttrMap) as tf.Tensor);
  run();
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const startCpu = process.cpuUsage();
    const start = performance.now();
    run();
    wall.push(performance.now() - start);
    const used = process.cpuUsage(startCpu);
    cpu.push((used.user + used.system) / 1000);
  }
  tf.dispose(Object.values(inputs));
  const median = (v: number[]) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  return { cpuMs: median(cpu), wallMs: median(wall) };
}

/** Prints the before/after table; expects the wasm backend to be active. */
export function benchmarkKernels(repeats = 5): void {
  console.log('\nPer-kernel timings, wasm, 1 thread, median of', repeats, '(CPU ms | wall ms)');
  console.log(
    `${'kernel'.padEnd(36)} ${'shape'.padEnd(32)} ${'before'.padStart(17)} ${'after'.padStart(17)} speed-up (CPU)`,
  );
  for (const c of kernelCases) {
    unregisterWasmTrainingKernels();
    registerNaiveKernels();
    const before = timeKernel(c, repeats);
    unregisterWasmTrainingKernels();
    registerWasmTrainingKernels();
    const after = timeKernel(c, repeats);
    const fmt = (t: { cpuMs: number; wallMs: number }) =>
      `${t.cpuMs.toFixed(1).padStart(7)} | ${t.wallMs.toFixed(1).padStart(7)}`;
    console.log(
      `${c.kernel.padEnd(36)} ${c.label.padEnd(32)} ${fmt(before)} ${fmt(after)} ${(before.cpuMs / after.cpuMs).toFixed(1).padStart(6)}x`,
    );
  }
}
