/**
 * Pretrained weights into a network by name. Where the bytes come from is pluggable:
 * `@art/efficientnet/node` installs the torch.hub-cache downloader when imported; elsewhere
 * (browsers, workers) the file is fetched with `fetch` and its SHA-256 prefix checked with Web Crypto.
 */
import type { EfficientNet } from '../efficientnet.js';
import { pretrainedWeights, type PretrainedWeights } from './catalogue.js';
import { WeightLoadError, loadTorchvisionWeights, type WeightLoadReport } from './torchvision.js';

/** Returns the bytes of a weights file (and a name for messages). */
export type WeightsProvider = (entry: PretrainedWeights) => Promise<{ bytes: Uint8Array; source: string }>;

let installed: WeightsProvider | null = null;

/** Installs the provider `efficientNet(..., { weights })` uses (the Node subpath installs its cache downloader). */
export function setWeightsProvider(provider: WeightsProvider | null): void {
  installed = provider;
}

async function fetchWithWebCrypto(entry: PretrainedWeights): Promise<{ bytes: Uint8Array; source: string }> {
  const url =
    entry.source.kind === 'torchvision'
      ? entry.source.url
      : `https://huggingface.co/${entry.source.repo}/resolve/${entry.source.revision}/${entry.source.file}`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (entry.sha256Prefix) {
    const digest = [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))]
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('');
    if (!digest.startsWith(entry.sha256Prefix))
      throw new Error(`${url}: SHA-256 mismatch: expected ${entry.sha256Prefix}..., got ${digest}`);
  }
  return { bytes, source: entry.fileName };
}

function provider(): WeightsProvider {
  if (installed) return installed;
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  if (isNode) {
    throw new Error(
      "pretrained weights in Node: import '@art/efficientnet/node' once (it downloads into PyTorch's " +
        'cache, $TORCH_HOME/hub/checkpoints, so each file is fetched once)',
    );
  }
  return fetchWithWebCrypto;
}

/** Options of {@link loadPretrainedWeights}. */
export interface PretrainedOptions {
  /** Load even when less than half of the model fits. Default `false`. */
  allowPartial?: boolean;
}

/**
 * Loads a named weights set (`'DEFAULT'`, `'IMAGENET1K_V1'`, `'IMAGENET1K_V2'`, a timm tag) into a
 * built network. A network with another `numClasses` than the weights' 1000 keeps its new
 * classifier (reported in `mismatched`); any other missing or mismatched key is an error.
 *
 * @example
 * const net = efficientNetB3({ numClasses: 50 });
 * const report = await loadPretrainedWeights(net, 'b3', 'IMAGENET1K_V1'); // report.mismatched: classifier.1.*
 */
export async function loadPretrainedWeights(
  net: EfficientNet,
  variant: string,
  weights = 'DEFAULT',
  options: PretrainedOptions = {},
): Promise<WeightLoadReport> {
  const entry = pretrainedWeights(variant, weights);
  const { bytes, source } = await provider()(entry);
  const report = loadTorchvisionWeights(net, bytes, {
    strict: false,
    source,
    ...(options.allowPartial ? { allowPartial: true } : {}),
  });
  const isHead = (key: string) => key.startsWith('classifier.') || key.startsWith('head.');
  const problems = [
    ...report.missing.filter((key) => !isHead(key)),
    ...report.mismatched.map((m) => m.key).filter((key) => !isHead(key)),
  ];
  if (problems.length > 0 && !options.allowPartial) {
    throw new WeightLoadError(
      `${source}: ${entry.id} does not fit "${net.model.name}" (${problems.length} backbone tensors ` +
        `missing or of another shape: ${problems.slice(0, 5).join(', ')}); build ${entry.variant} for these weights`,
      report,
    );
  }
  return report;
}
