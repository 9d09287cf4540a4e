#!/usr/bin/env node
/**
 * `art-efficientnet`: pretrained weights from the command line.
 *   art-efficientnet download <variant> [--weights NAME] [--quiet]
 *   art-efficientnet inspect <file> [--all]
 *   art-efficientnet convert <in.pth> <out.safetensors> [--keep-names] [--force]
 * User errors print one line and exit 1 (2 for a bad command line); no stack traces.
 */
import { realpathSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EFFICIENTNET_CONFIGS, VARIANT_NAMES, countParameters } from '../configs.js';
import { DEFAULT_WEIGHTS, TIMM_WEIGHTS, TORCHVISION_WEIGHTS } from '../weights/catalogue.js';
import { openPth, summarizePickle } from '../weights/pytorch.js';
import { PickleDict } from '../weights/pickle.js';
import type { SafeTensor } from '../weights/safetensors.js';
import { fetchPretrainedWeights } from './download.js';
import { readWeightsFile, writeSafetensorsFile } from './safetensors-file.js';

export const USAGE = `art-efficientnet: pretrained EfficientNet weights without Python

Usage:
  art-efficientnet download <variant> [--weights NAME] [--quiet]
      Download into PyTorch's cache ($TORCH_HOME/hub/checkpoints, default ~/.cache/torch; timm sets
      into the Hugging Face cache) unless already there; prints the path. NAME: DEFAULT (default),
      IMAGENET1K_V1, IMAGENET1K_V2 (b1), timm/efficientnet_b3.ra2_in1k (b3).
  art-efficientnet inspect <file> [--all]
      Format, tensors, dtypes, shapes, and which variant the weights fit (.pth or .safetensors).
      Unsafe .pth files are refused, never executed.
  art-efficientnet convert <in.pth> <out.safetensors> [--keep-names] [--force]
      Write a .pth (or timm / DataParallel) state dict as torchvision-named .safetensors.
  art-efficientnet --help

Variants: ${VARIANT_NAMES.join(', ')}
Environment: TORCH_HOME, XDG_CACHE_HOME, HF_HOME, HF_ENDPOINT, ART_WEIGHTS_BASE_URL (mirror of
https://download.pytorch.org), ART_OFFLINE=1 / HF_HUB_OFFLINE=1 (no downloads).
`;

/** Where the CLI writes; replaceable in tests. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

class UsageError extends Error {}

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const isBuffer = (key: string) => /\.(running_mean|running_var|num_batches_tracked)$/.test(key);

/** Variants whose torchvision parameter count equals the file's (classifier size from the file). */
export function fittingVariants(tensors: ReadonlyMap<string, SafeTensor>): { variant: string; numClasses: number }[] {
  const classifier = tensors.get('classifier.1.weight');
  const numClasses = classifier?.shape[0] ?? 1000;
  let total = 0;
  for (const [key, tensor] of tensors) if (!isBuffer(key)) total += numel(tensor.shape);
  return VARIANT_NAMES.filter((variant) => countParameters(EFFICIENTNET_CONFIGS[variant], numClasses) === total).map(
    (variant) => ({ variant, numClasses }),
  );
}

async function inspect(path: string, all: boolean, io: CliIo): Promise<void> {
  const contents = await readWeightsFile(path);
  const format =
    contents.format === 'pth'
      ? 'PyTorch zip checkpoint (torch.save), read with the weights-only allow-list'
      : 'safetensors';
  io.out(`${path}: ${format}, ${(await stat(path)).size} bytes`);
  if (contents.format === 'pth') {
    const buffer = await readFile(path);
    const archive = openPth(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), { source: path });
    io.out(`  archive version ${archive.version}, byteorder ${archive.byteorder}`);
    if (archive.root instanceof PickleDict && contents.notes.some((note) => note.includes('checkpoint'))) {
      io.out(
        `  checkpoint entries: ${[...archive.root.entries].map(([key, value]) => `${String(key)}=${summarizePickle(value)}`).join(', ')}`,
      );
    }
  }
  for (const note of contents.notes) io.out(`  ${note.slice(path.length + 2)}`);
  const dtypes = new Map<string, number>();
  let parameters = 0;
  for (const [key, tensor] of contents.tensors) {
    dtypes.set(tensor.dtype, (dtypes.get(tensor.dtype) ?? 0) + 1);
    if (!isBuffer(key)) parameters += numel(tensor.shape);
  }
  const dtypeCounts = [...dtypes].map(([dtype, count]) => `${count} ${dtype}`).join(', ');
  io.out(`  ${contents.tensors.size} tensors (${dtypeCounts}), ${parameters.toLocaleString('en-US')} parameters`);
  const shown = all ? [...contents.tensors] : [...contents.tensors].slice(0, 8);
  for (const [key, tensor] of shown) io.out(`    ${key}  ${tensor.dtype} ${JSON.stringify(tensor.shape)}`);
  if (!all && contents.tensors.size > shown.length)
    io.out(`    ... ${contents.tensors.size - shown.length} more (--all lists every tensor)`);
  const fits = fittingVariants(contents.tensors);
  io.out(
    fits.length > 0
      ? `  fits: ${fits.map((fit) => `efficientnet ${fit.variant} (numClasses ${fit.numClasses})`).join(', ')}`
      : '  fits: no built-in variant has this parameter count (a custom configuration, or not an EfficientNet)',
  );
}

async function convert(input: string, output: string, keepNames: boolean, force: boolean, io: CliIo): Promise<void> {
  if (
    !force &&
    (await stat(output).then(
      () => true,
      () => false,
    ))
  )
    throw new UsageError(`${output} exists; pass --force to overwrite it`);
  const contents = await readWeightsFile(input, { keepNames });
  await writeSafetensorsFile(output, contents.tensors, { format: 'pt', converted_from: basename(input) });
  const notes = contents.notes.map((note) => note.slice(input.length + 2)).join('; ');
  io.out(`${output}: ${contents.tensors.size} tensors from ${input}${contents.notes.length > 0 ? ` (${notes})` : ''}`);
}

/**
 * Runs the CLI; returns the exit code (0 ok, 1 error, 2 bad command line).
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2));
 */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        weights: { type: 'string' },
        quiet: { type: 'boolean' },
        all: { type: 'boolean' },
        'keep-names': { type: 'boolean' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const [command, ...rest] = positionals;
    if (values.help || command === 'help' || command === undefined) {
      (command === undefined && !values.help ? io.err : io.out)(USAGE);
      return command === undefined && !values.help ? 2 : 0;
    }
    const arity = (count: number, usage: string) => {
      if (rest.length !== count)
        throw new UsageError(
          `${command} takes ${usage}; got ${rest.length === 0 ? 'nothing' : rest.join(' ')} (see --help)`,
        );
    };
    switch (command) {
      case 'download': {
        arity(1, '<variant>');
        const path = await fetchPretrainedWeights(rest[0]!, values.weights ?? 'DEFAULT', {
          progress: values.quiet ? false : 'auto',
        });
        io.out(path);
        return 0;
      }
      case 'inspect':
        arity(1, '<file>');
        await inspect(rest[0]!, values.all ?? false, io);
        return 0;
      case 'convert':
        arity(2, '<in.pth> <out.safetensors>');
        await convert(rest[0]!, rest[1]!, values['keep-names'] ?? false, values.force ?? false, io);
        return 0;
      case 'list':
        for (const entry of [...TORCHVISION_WEIGHTS, ...TIMM_WEIGHTS]) {
          const isDefault = DEFAULT_WEIGHTS[entry.variant] === entry.name;
          const url =
            entry.source.kind === 'torchvision' ? entry.source.url : `hf://${entry.source.repo}/${entry.source.file}`;
          io.out(`${entry.variant.padEnd(5)} ${entry.name.padEnd(30)} ${isDefault ? 'DEFAULT ' : '        '}${url}`);
        }
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"; expected download, inspect, convert or list (see --help)`);
    }
  } catch (error) {
    // Every failure is one line: the first of the message (load reports list details below it).
    const code = (error as NodeJS.ErrnoException).code;
    const fileErrors = { ENOENT: 'no such file', EISDIR: 'is a folder, not a file', EACCES: 'permission denied' };
    const message =
      code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES'
        ? `${(error as NodeJS.ErrnoException).path}: ${fileErrors[code]}`
        : error instanceof Error
          ? error.message.split('\n')[0]!
          : String(error);
    io.err(`art-efficientnet: ${message}`);
    const badCommandLine =
      error instanceof UsageError || String((error as NodeJS.ErrnoException).code ?? '').startsWith('ERR_PARSE_ARGS');
    return badCommandLine ? 2 : 1;
  }
}

// Run when executed (bin or `tsx src/node/cli.ts`), not when imported by tests.
if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  process.exitCode = await runCli(process.argv.slice(2));
}
