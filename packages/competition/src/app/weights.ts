import { readFile } from 'node:fs/promises';
import {
  VARIANT_NAMES,
  loadPretrainedWeights,
  loadTorchvisionWeights,
  type EfficientNet,
  type WeightLoadReport,
} from '@art/efficientnet';
import type { TrainRunOptions } from './options.js';

/**
 * One line on what a load did: how much of the network, what stays new (the seed head / classifier), how names were mapped.
 * @example log(describeWeightLoad('b3.pth', report));
 */
export function describeWeightLoad(source: string, report: WeightLoadReport): string {
  const fresh = [...report.missing, ...report.mismatched.map((m) => `${m.key} (file ${JSON.stringify(m.actual)})`)];
  const notes = report.notes.map((note) => note.replace(/^[^:]*: /, '')).join('; ');
  return (
    `Weights ${source}: ${report.loaded.length} tensors loaded, ${(100 * report.loadedFraction).toFixed(1)} % of the parameters` +
    `${fresh.length > 0 ? `; left at their initialisation: ${fresh.join(', ')}` : ''}` +
    `${report.unexpected.length > 0 ? `; not used from the file: ${report.unexpected.length}` : ''}${notes ? ` (${notes})` : ''}`
  );
}

/**
 * `--pretrained [NAME]` (the backbone's torchvision weights, downloaded once) or `--weights FILE`
 * (`.pth` or `.safetensors`) into a freshly built network; logs what was loaded. Nothing by default.
 * @example await loadStartingWeights(network, { pretrained: 'DEFAULT', weights: undefined, weightsPartial: false });
 */
export async function loadStartingWeights(
  network: EfficientNet,
  options: Pick<TrainRunOptions, 'weights' | 'pretrained' | 'weightsPartial'>,
  log: (line: string) => void = console.log,
): Promise<void> {
  if (options.pretrained !== undefined) {
    const variant = network.config.name;
    if (!(VARIANT_NAMES as readonly string[]).includes(variant)) {
      throw new RangeError(
        `--pretrained: this run's network (${variant}) is a reduced variant with no pretrained weights; drop --smoke, or use the full-size recipes`,
      );
    }
    // The Node subpath installs the downloader that caches into $TORCH_HOME/hub/checkpoints;
    // imported here so that importing this package has no side effect.
    await import('@art/efficientnet/node');
    const report = await loadPretrainedWeights(network, variant, options.pretrained, {
      allowPartial: options.weightsPartial,
    });
    log(describeWeightLoad(`${variant} ${options.pretrained}`, report));
  } else if (options.weights !== undefined) {
    const bytes = await readFile(options.weights).catch((error: NodeJS.ErrnoException) => {
      throw new RangeError(`--weights: cannot read ${options.weights} (${error.code ?? error.message})`);
    });
    const report = loadTorchvisionWeights(network, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      strict: false,
      source: options.weights,
      allowPartial: options.weightsPartial,
    });
    log(describeWeightLoad(options.weights, report));
  }
}
