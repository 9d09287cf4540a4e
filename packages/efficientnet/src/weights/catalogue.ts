/**
 * Pretrained weights by name: torchvision 0.14.1's `EfficientNet_*_Weights` enums (URLs, the
 * SHA-256 prefix in each file name that torch.hub checks, parameter counts, ImageNet accuracy and
 * evaluation transforms, from `torchvision/models/efficientnet.py` of Debian's python3-torchvision)
 * and timm's Hugging Face hub checkpoint of B3. Each fact lives here once; `preprocessingFor`
 * and the downloaders read it.
 */
import { normalizeVariantName, type VariantName } from '../configs.js';

/** Evaluation preprocessing of a pretrained-weights entry (torchvision `ImageClassification` preset). */
export interface Preprocessing {
  /** Shorter side is resized to this many pixels first. */
  readonly resizeSize: number;
  /** Then a centre crop of `cropSize` x `cropSize` (the native resolution). */
  readonly cropSize: number;
  /** Per-channel RGB mean, for pixel values scaled to [0, 1]. */
  readonly mean: readonly [number, number, number];
  /** Per-channel RGB std. */
  readonly std: readonly [number, number, number];
  /** Resize interpolation (torchvision `InterpolationMode`, lower-case). */
  readonly interpolation: 'bilinear' | 'bicubic';
  /** Weights entry this preprocessing belongs to, e.g. `EfficientNet_B3_Weights.IMAGENET1K_V1`. */
  readonly weights: string;
}

/** One downloadable weights file. */
export interface PretrainedWeights {
  readonly variant: VariantName;
  /** Name within the variant: `IMAGENET1K_V1`, `IMAGENET1K_V2`, or a timm tag such as `timm/efficientnet_b3.ra2_in1k`. */
  readonly name: string;
  /** torchvision enum spelling (`EfficientNet_B3_Weights.IMAGENET1K_V1`) or the hub repository. */
  readonly id: string;
  /** Where the file is published. */
  readonly source:
    | { readonly kind: 'torchvision'; readonly url: string }
    | { readonly kind: 'huggingface'; readonly repo: string; readonly file: string; readonly revision: string };
  /** Cache file name (torch.hub keeps the URL's last segment). */
  readonly fileName: string;
  /** Start of the file's SHA-256 (torch.hub's `check_hash`), or `null` when the hub's ETag gives the full hash. */
  readonly sha256Prefix: string | null;
  readonly numParams: number;
  readonly numClasses: number;
  /** ImageNet-1K top-1 / top-5 accuracy (%) at the evaluation preprocessing. */
  readonly accuracy: { readonly top1: number; readonly top5: number } | null;
  readonly preprocessing: Preprocessing;
}

const IMAGENET_MEAN = Object.freeze([0.485, 0.456, 0.406] as const);
const IMAGENET_STD = Object.freeze([0.229, 0.224, 0.225] as const);
const HALF = Object.freeze([0.5, 0.5, 0.5] as const);

/** `https://download.pytorch.org`, the host `ART_WEIGHTS_BASE_URL` replaces. */
export const TORCHVISION_WEIGHTS_HOST = 'https://download.pytorch.org';

const torchvision = (
  variant: VariantName,
  name: string,
  file: string,
  numParams: number,
  top1: number,
  top5: number,
  cropSize: number,
  resizeSize: number,
  interpolation: Preprocessing['interpolation'],
  mean: Preprocessing['mean'] = IMAGENET_MEAN,
  std: Preprocessing['std'] = IMAGENET_STD,
): PretrainedWeights => {
  const id = `EfficientNet_${variant.toUpperCase().replace('-', '_')}_Weights.${name}`;
  return Object.freeze({
    variant,
    name,
    id,
    source: Object.freeze({ kind: 'torchvision' as const, url: `${TORCHVISION_WEIGHTS_HOST}/models/${file}` }),
    fileName: file,
    sha256Prefix: /-([0-9a-f]{8,})\.pth$/.exec(file)![1]!,
    numParams,
    numClasses: 1000,
    accuracy: Object.freeze({ top1, top5 }),
    preprocessing: Object.freeze({ weights: id, cropSize, resizeSize, interpolation, mean, std }),
  });
};

/** torchvision 0.14.1's table: 11 variants, 12 weight sets (B1 has two). */
export const TORCHVISION_WEIGHTS: readonly PretrainedWeights[] = Object.freeze([
  torchvision(
    'b0',
    'IMAGENET1K_V1',
    'efficientnet_b0_rwightman-3dd342df.pth',
    5288548,
    77.692,
    93.532,
    224,
    256,
    'bicubic',
  ),
  torchvision(
    'b1',
    'IMAGENET1K_V1',
    'efficientnet_b1_rwightman-533bc792.pth',
    7794184,
    78.642,
    94.186,
    240,
    256,
    'bicubic',
  ),
  torchvision('b1', 'IMAGENET1K_V2', 'efficientnet_b1-c27df63c.pth', 7794184, 79.838, 94.934, 240, 255, 'bilinear'),
  torchvision(
    'b2',
    'IMAGENET1K_V1',
    'efficientnet_b2_rwightman-bcdf34b7.pth',
    9109994,
    80.608,
    95.31,
    288,
    288,
    'bicubic',
  ),
  torchvision(
    'b3',
    'IMAGENET1K_V1',
    'efficientnet_b3_rwightman-cf984f9c.pth',
    12233232,
    82.008,
    96.054,
    300,
    320,
    'bicubic',
  ),
  torchvision(
    'b4',
    'IMAGENET1K_V1',
    'efficientnet_b4_rwightman-7eb33cd5.pth',
    19341616,
    83.384,
    96.594,
    380,
    384,
    'bicubic',
  ),
  torchvision(
    'b5',
    'IMAGENET1K_V1',
    'efficientnet_b5_lukemelas-b6417697.pth',
    30389784,
    83.444,
    96.628,
    456,
    456,
    'bicubic',
  ),
  torchvision(
    'b6',
    'IMAGENET1K_V1',
    'efficientnet_b6_lukemelas-c76e70fd.pth',
    43040704,
    84.008,
    96.916,
    528,
    528,
    'bicubic',
  ),
  torchvision(
    'b7',
    'IMAGENET1K_V1',
    'efficientnet_b7_lukemelas-dcc49843.pth',
    66347960,
    84.122,
    96.908,
    600,
    600,
    'bicubic',
  ),
  torchvision(
    'v2-s',
    'IMAGENET1K_V1',
    'efficientnet_v2_s-dd5fe13b.pth',
    21458488,
    84.228,
    96.878,
    384,
    384,
    'bilinear',
  ),
  torchvision(
    'v2-m',
    'IMAGENET1K_V1',
    'efficientnet_v2_m-dc08266a.pth',
    54139356,
    85.112,
    97.156,
    480,
    480,
    'bilinear',
  ),
  torchvision(
    'v2-l',
    'IMAGENET1K_V1',
    'efficientnet_v2_l-59c71312.pth',
    118515272,
    85.808,
    97.788,
    480,
    480,
    'bicubic',
    HALF,
    HALF,
  ),
]);

/** torchvision's `DEFAULT` per variant (B1's is `IMAGENET1K_V2`, every other `IMAGENET1K_V1`). */
export const DEFAULT_WEIGHTS: Readonly<Record<VariantName, string>> = Object.freeze({
  b0: 'IMAGENET1K_V1',
  b1: 'IMAGENET1K_V2',
  b2: 'IMAGENET1K_V1',
  b3: 'IMAGENET1K_V1',
  b4: 'IMAGENET1K_V1',
  b5: 'IMAGENET1K_V1',
  b6: 'IMAGENET1K_V1',
  b7: 'IMAGENET1K_V1',
  'v2-s': 'IMAGENET1K_V1',
  'v2-m': 'IMAGENET1K_V1',
  'v2-l': 'IMAGENET1K_V1',
});

/**
 * timm's Hugging Face hub checkpoints whose architecture is torchvision's (PyTorch padding, same
 * channels): B3 `ra2_in1k`, the weights torchvision's B3 IMAGENET1K_V1 was ported from, evaluated
 * at timm's test size (320, crop 1.0).
 */
export const TIMM_WEIGHTS: readonly PretrainedWeights[] = Object.freeze([
  Object.freeze({
    variant: 'b3' as const,
    name: 'timm/efficientnet_b3.ra2_in1k',
    id: 'timm/efficientnet_b3.ra2_in1k',
    source: Object.freeze({
      kind: 'huggingface' as const,
      repo: 'timm/efficientnet_b3.ra2_in1k',
      file: 'model.safetensors',
      revision: 'main',
    }),
    fileName: 'model.safetensors',
    sha256Prefix: null,
    numParams: 12233232,
    numClasses: 1000,
    accuracy: null,
    preprocessing: Object.freeze({
      weights: 'timm/efficientnet_b3.ra2_in1k',
      cropSize: 320,
      resizeSize: 320,
      interpolation: 'bicubic' as const,
      mean: IMAGENET_MEAN,
      std: IMAGENET_STD,
    }),
  }),
]);

const ALL_WEIGHTS = [...TORCHVISION_WEIGHTS, ...TIMM_WEIGHTS];

/**
 * Looks up a weights entry: `pretrainedWeights('b3')` (torchvision's DEFAULT),
 * `pretrainedWeights('b1', 'IMAGENET1K_V2')`, `pretrainedWeights('b3', 'timm/efficientnet_b3.ra2_in1k')`,
 * or the enum spelling alone: `pretrainedWeights('EfficientNet_B1_Weights.IMAGENET1K_V2')`.
 * Unknown names throw a `RangeError` listing the valid ones.
 *
 * @example
 * pretrainedWeights('b3').source; // { kind: 'torchvision', url: 'https://download.pytorch.org/models/efficientnet_b3_rwightman-cf984f9c.pth' }
 */
export function pretrainedWeights(variantOrId: string, name = 'DEFAULT'): PretrainedWeights {
  const byId = ALL_WEIGHTS.find((entry) => entry.id === variantOrId);
  if (byId) return byId;
  const variant = normalizeVariantName(variantOrId);
  const wanted = name === 'DEFAULT' ? DEFAULT_WEIGHTS[variant] : name.replace(/^EfficientNet_\w+_Weights\./, '');
  const found = ALL_WEIGHTS.find((entry) => entry.variant === variant && entry.name === wanted);
  if (!found) {
    const names = ['DEFAULT', ...ALL_WEIGHTS.filter((entry) => entry.variant === variant).map((entry) => entry.name)];
    throw new RangeError(`Unknown weights "${name}" for efficientnet ${variant}; expected one of ${names.join(', ')}`);
  }
  return found;
}
