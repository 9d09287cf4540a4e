import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildEfficientNet, efficientNetConfig, withMultipliers } from '@art/efficientnet';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { b3Recipe, loadStartingWeights, parseTrainArgs, type Recipe } from '../src/index.js';

const recipe: Recipe = { ...b3Recipe, sizes: { epochs: 10, imgSize: 300, batchSize: 16, lr: 3e-4, backend: 'auto' } };
const parseFlags = (argv: string[]) => parseTrainArgs(argv, recipe);
const FIXTURES = resolve(import.meta.dirname, '../../efficientnet/test/fixtures/efficientnet');
const seedHeadB0 = () =>
  buildEfficientNet(efficientNetConfig('b0'), { numClasses: 4, head: 'seed', initializer: 'zeros' });

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('--pretrained and --weights', () => {
  it('--pretrained takes an optional name (bare: DEFAULT); off by default; exclusive with --weights', () => {
    expect(parseFlags([])).toMatchObject({ pretrained: undefined, weights: undefined, weightsPartial: false });
    expect(parseFlags(['--pretrained'])!.pretrained).toBe('DEFAULT');
    expect(parseFlags(['--pretrained', '--epochs', '3'])).toMatchObject({ pretrained: 'DEFAULT', epochs: 3 });
    expect(parseFlags(['--pretrained', 'IMAGENET1K_V1'])!.pretrained).toBe('IMAGENET1K_V1');
    expect(parseFlags(['--pretrained=IMAGENET1K_V2', '--weights-partial'])).toMatchObject({
      pretrained: 'IMAGENET1K_V2',
      weightsPartial: true,
    });
    expect(() => parseFlags(['--pretrained', '--weights', 'w.pth'])).toThrow(
      '--pretrained and --weights both choose the starting weights; pass one',
    );
  });

  it('--pretrained loads the backbone from the torch.hub cache (offline), the seed head stays new and is reported', async () => {
    const home = mkdtempSync(join(tmpdir(), 'art-weights-'));
    mkdirSync(join(home, 'hub/checkpoints'), { recursive: true });
    // A file already in PyTorch's cache is used as is (torch.hub does not re-check it); here a 10-class B0.
    copyFileSync(
      join(FIXTURES, 'efficientnet_b0_nc10/model.safetensors'),
      join(home, 'hub/checkpoints/efficientnet_b0_rwightman-3dd342df.pth'),
    );
    vi.stubEnv('TORCH_HOME', home);
    vi.stubEnv('ART_OFFLINE', '1');
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const net = seedHeadB0();
    await loadStartingWeights(net, { pretrained: 'DEFAULT', weights: undefined, weightsPartial: false });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        /^Weights b0 DEFAULT: 358 tensors loaded, 75\.9 % of the parameters; left at their initialisation: /.source +
          /head\.1\.weight, head\.1\.bias, classifier\.1\.weight \(file \[10,1280\]\), classifier\.1\.bias \(file \[10\]\)$/
            .source,
      ),
    );
    net.dispose();
  });

  it('--pretrained refuses the reduced --smoke / demo networks, naming why', async () => {
    const small = buildEfficientNet(withMultipliers(efficientNetConfig('b3'), 0.3, 0.35, 'b3-x0.25'), {
      numClasses: 4,
      head: 'seed',
      initializer: 'zeros',
    });
    await expect(
      loadStartingWeights(small, { pretrained: 'DEFAULT', weights: undefined, weightsPartial: false }),
    ).rejects.toThrow(
      "--pretrained: this run's network (b3-x0.25) is a reduced variant with no pretrained weights; drop --smoke, or use the full-size recipes",
    );
    small.dispose();
  });

  it('--weights reads .pth files; one that hardly fits is refused unless --weights-partial', async () => {
    const net = seedHeadB0();
    const file = join(FIXTURES, 'tiny_v2_nc7/model.pth');
    await expect(
      loadStartingWeights(net, { pretrained: undefined, weights: file, weightsPartial: false }),
    ).rejects.toThrow(/model\.pth: only \d+\.\d % of the weights .* pass allowPartial \(--weights-partial\)/);
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    await loadStartingWeights(net, { pretrained: undefined, weights: file, weightsPartial: true });
    expect(lines[0]).toMatch(/^Weights .*model\.pth: \d+ tensors loaded, \d+\.\d % of the parameters/);
    await expect(
      loadStartingWeights(net, { pretrained: undefined, weights: '/nonexistent.pth', weightsPartial: false }),
    ).rejects.toThrow('--weights: cannot read /nonexistent.pth (ENOENT)');
    net.dispose();
  });
});
