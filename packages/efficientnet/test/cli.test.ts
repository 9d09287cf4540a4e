import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../src/index.js';
import { readFileSync } from 'node:fs';
import { runCli } from '../src/node/cli.js';
import { FIXTURES } from './helpers.js';
import { PTH_FIXTURES } from './pth-helpers.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
}

describe('art-efficientnet', () => {
  it('inspect: format, archive facts, checkpoint entries, notes, dtypes, and the variant the weights fit', async () => {
    const checkpoint = await cli('inspect', join(PTH_FIXTURES, 'checkpoint-state-dict.pth'));
    expect(checkpoint.code).toBe(0);
    expect(checkpoint.out.slice(1, 5)).toEqual([
      '  archive version 3, byteorder little',
      '  checkpoint entries: epoch=3, arch="efficientnet_b0", best_acc1=0.5, state_dict=OrderedDict(6), optimizer=dict(2)',
      `  state dict taken from the checkpoint's "state_dict" entry`,
      '  stripped the "module." prefix (DataParallel) from every key',
    ]);
    const b0 = await cli('inspect', resolve(FIXTURES, 'efficientnet_b0_nc10/model.safetensors'));
    expect(b0.out).toContain('  360 tensors (49 I64, 311 F32), 4,020,358 parameters');
    expect(b0.out.at(-1)).toBe('  fits: efficientnet b0 (numClasses 10)');
    const v2 = await cli('inspect', resolve(FIXTURES, 'tiny_v2_nc7/model.pth'), '--all');
    expect(
      v2.out.filter((line) => line.startsWith('    features.') || line.startsWith('    classifier.')),
    ).toHaveLength(182);
    expect(v2.out.at(-1)).toMatch(/fits: no built-in variant/);
  });

  it('convert: .pth to torchvision-named .safetensors with the same tensors; an existing output is kept without --force', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'art-cli-'));
    const output = join(directory, 'out.safetensors');
    const result = await cli('convert', join(PTH_FIXTURES, 'checkpoint-model.pth'), output);
    expect(result).toMatchObject({ code: 0, err: [] });
    const converted = readSafetensors(new Uint8Array(readFileSync(output)));
    const expected = readSafetensors(
      new Uint8Array(readFileSync(join(PTH_FIXTURES, 'checkpoint-expected.safetensors'))),
    );
    expect([...converted.tensors.keys()].sort()).toEqual([...expected.tensors.keys()].sort());
    for (const [key, tensor] of expected.tensors) expect(converted.tensors.get(key)).toEqual(tensor);
    expect(converted.metadata).toEqual({ format: 'pt', converted_from: 'checkpoint-model.pth' });
    writeFileSync(output, 'keep me');
    expect(await cli('convert', join(PTH_FIXTURES, 'tiny.pth'), output)).toMatchObject({
      code: 2,
      err: [`art-efficientnet: ${output} exists; pass --force to overwrite it`],
    });
    expect(readFileSync(output, 'utf8')).toBe('keep me');
  });

  it('errors are one line with the culprit: unsafe file, missing file, bad command, unknown variant', async () => {
    const unsafe = await cli('inspect', join(PTH_FIXTURES, 'hostile/os-system.pth'));
    expect(unsafe.code).toBe(1);
    expect(unsafe.err).toHaveLength(1);
    expect(unsafe.err[0]).toMatch(/^art-efficientnet: .*os-system.pth: refused global posix.system: /);
    expect(await cli('inspect', '/nonexistent.pth')).toMatchObject({
      code: 1,
      err: ['art-efficientnet: /nonexistent.pth: no such file'],
    });
    expect(await cli('frob')).toMatchObject({
      code: 2,
      err: ['art-efficientnet: unknown command "frob"; expected download, inspect, convert or list (see --help)'],
    });
    expect(await cli('download')).toMatchObject({
      code: 2,
      err: ['art-efficientnet: download takes <variant>; got nothing (see --help)'],
    });
    expect(await cli('download', 'b9')).toMatchObject({
      code: 1,
      err: ['art-efficientnet: Unknown variant "b9"; expected one of b0..b7, v2-s, v2-m, v2-l'],
    });
    expect((await cli('--help')).out[0]).toMatch(/^art-efficientnet: pretrained EfficientNet weights without Python/);
  });

  it('download offline names the file and where to put it; list shows the catalogue', async () => {
    const home = mkdtempSync(join(tmpdir(), 'art-cli-'));
    const previous = { ...process.env };
    process.env.TORCH_HOME = home;
    process.env.ART_OFFLINE = '1';
    try {
      const result = await cli('download', 'v2-m', '--quiet');
      expect(result.code).toBe(1);
      expect(result.err[0]).toBe(
        `art-efficientnet: EfficientNet_V2_M_Weights.IMAGENET1K_V1: efficientnet_v2_m-dc08266a.pth ` +
          `is not in the cache and downloads are off (ART_OFFLINE=1). Download ` +
          `https://download.pytorch.org/models/efficientnet_v2_m-dc08266a.pth by hand and put it at ${home}/hub/checkpoints/efficientnet_v2_m-dc08266a.pth`,
      );
    } finally {
      process.env = previous;
    }
    const list = await cli('list');
    expect(list.out).toHaveLength(13);
    expect(list.out).toContain(
      'b1    IMAGENET1K_V2                  DEFAULT https://download.pytorch.org/models/efficientnet_b1-c27df63c.pth',
    );
  });

  it('as a process: exit code 1 and one stderr line, no stack trace', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', resolve(__dirname, '../src/node/cli.ts'), 'inspect', join(PTH_FIXTURES, 'hostile/eval.pth')],
      { encoding: 'utf8' },
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/refused global __builtin__.eval/);
  });
});
