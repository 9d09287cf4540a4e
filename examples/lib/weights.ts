import { readFile } from 'node:fs/promises';
import { VARIANT_NAMES, loadPretrainedWeights, loadTorchvisionWeights, type EfficientNet, type WeightLoadReport } from '@art/efficientnet';
// The Node subpath installs the downloader that caches into $TORCH_HOME/hub/checkpoints.
import '@art/efficientnet/node';
import type { ExampleOptions } from './cli.js';

/** One line on what a load did: how much of the network, what stays new (the seed head / classifier), how names were mapped. */
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
 * (`.pth` or `.safetensors`) into a freshly built network; prints what was loaded. Nothing by default.
 */
export async function loadStartingWeights(network: EfficientNet, options: Pick<ExampleOptions, 'weights' | 'pretrained' | 'weightsPartial'>): Promise<void> {
  if (options.pretrained !== undefined) {
    const variant = network.config.name;
    if (!(VARIANT_NAMES as readonly string[]).includes(variant)) {
      throw new RangeError(`--pretrained: this run's network (${variant}) is a reduced variant with no pretrained weights; drop --smoke, or use the full-size recipes`);
    }
    const report = await loadPretrainedWeights(network, variant, options.pretrained, { allowPartial: options.weightsPartial });
    console.log(describeWeightLoad(`${variant} ${options.pretrained}`, report));
  } else if (options.weights !== undefined) {
    const bytes = await readFile(options.weights).catch((error: NodeJS.ErrnoException) => {
      throw new RangeError(`--weights: cannot read ${options.weights} (${error.code ?? error.message})`);
    });
    const report = loadTorchvisionWeights(network, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { strict: false, source: options.weights, allowPartial: options.weightsPartial });
    console.log(describeWeightLoad(options.weights, report));
  }
}
