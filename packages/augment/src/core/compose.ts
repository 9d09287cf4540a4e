import { assertHwc, assertRawImage, type ImageShape, type RawImage } from './raw-image.js';
import type { Rng } from './rng.js';
import { OptionReader, TransformOptionError } from './options.js';
import {
  readAdditionalTargets,
  readBboxParams,
  readKeypointParams,
  runTargets,
  type BboxParams,
  type BboxParamsDict,
  type KeypointParams,
  type KeypointParamsDict,
  type TargetData,
  type TargetKind,
  type TargetResult,
} from './targets.js';
import {
  BaseTransform,
  ImageOnlyTransform,
  type AlbumentationsTransformDict,
  type ApplyOptions,
  type TransformRecord,
  type TransformResult,
} from './transform.js';

/** A rectangle in pixel units. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Implemented by crops: the rectangle a record cuts out of an image of `shape`. */
export interface CropLike {
  cropRect(shape: ImageShape, params: Record<string, unknown>): Rect;
}

/** Implemented by Resize: computes only `rect` of the resized image (same bytes as resize+crop). */
export interface RegionResizable {
  resizeRegion(image: RawImage, params: Record<string, unknown>, rect: Rect): RawImage;
}

/** Implemented by Normalize: normalises straight into a CHW tensor (what Normalize+ToTensorV2 do). */
export interface ChwFusable {
  applyToChw(image: RawImage, params: Record<string, unknown>): RawImage;
}

/** Which axes a flip mirrors. */
export interface Mirror {
  horizontal: boolean;
  vertical: boolean;
}

/** Implemented by HorizontalFlip and VerticalFlip: a flip with no parameters. */
export interface Mirroring {
  readonly mirror: Mirror;
}

/** Implemented by Normalize: normalises the mirrored image without materialising it. */
export interface MirrorFusable {
  applyMirrored(image: RawImage, params: Record<string, unknown>, mirror: Mirror, layout: 'HWC' | 'CHW'): RawImage;
}

function isMirroring(value: unknown): value is ImageOnlyTransform<object> & Mirroring {
  return value instanceof ImageOnlyTransform && typeof (value as Partial<Mirroring>).mirror === 'object';
}
function isMirrorFusable(value: unknown): value is ImageOnlyTransform<object> & MirrorFusable {
  return value instanceof ImageOnlyTransform && typeof (value as Partial<MirrorFusable>).applyMirrored === 'function';
}

function isCropLike(value: unknown): value is ImageOnlyTransform<object> & CropLike {
  return value instanceof ImageOnlyTransform && typeof (value as Partial<CropLike>).cropRect === 'function';
}
function isRegionResizable(value: unknown): value is ImageOnlyTransform<object> & RegionResizable {
  return value instanceof ImageOnlyTransform && typeof (value as Partial<RegionResizable>).resizeRegion === 'function';
}
function isChwFusable(value: unknown): value is ImageOnlyTransform<object> & ChwFusable {
  return value instanceof ImageOnlyTransform && typeof (value as Partial<ChwFusable>).applyToChw === 'function';
}

type RecordSource =
  | { mode: 'sample'; rng: Rng }
  | { mode: 'replay'; records: readonly TransformRecord[]; owner: string };

/**
 * Runs `children` in order. Leaf transforms go through `sample` + `applyRecord`; some adjacent
 * runs are fused because the fused kernels give the same bytes with less work:
 * `Resize` followed by a crop computes only the cropped window, flips followed by `Normalize`
 * read the pixels mirrored instead of copying the image, and `Normalize` followed by
 * `ToTensorV2` writes CHW directly. RNG draws happen in exactly the unfused order.
 */
function runSequence(
  children: readonly BaseTransform[],
  image: RawImage,
  source: RecordSource,
): { image: RawImage; records: TransformRecord[] } {
  const records: TransformRecord[] = [];
  let current = image;
  let replayIndex = 0;
  const nextLeafRecord = (child: ImageOnlyTransform<object>, shape: ImageShape): TransformRecord => {
    if (source.mode === 'sample') return child.sample(shape, source.rng);
    const record = source.records[replayIndex++];
    if (!record || record.transform !== child.className) {
      throw new TypeError(
        `${source.owner}.replay: record ${replayIndex - 1} is for ${JSON.stringify(record?.transform)}, expected "${child.className}"`,
      );
    }
    return record;
  };

  for (let index = 0; index < children.length; index++) {
    const child = children[index]!;
    if (!(child instanceof ImageOnlyTransform)) {
      let result: TransformResult;
      if (source.mode === 'sample') result = child.apply(current, source.rng);
      else {
        const record = source.records[replayIndex++];
        if (!record) throw new TypeError(`${source.owner}.replay: missing record for ${child.className}`);
        result = child.replay(current, record);
      }
      current = result.image;
      records.push(result.params);
      continue;
    }
    const record = nextLeafRecord(child, current);
    records.push(record);
    if (isMirroring(child) && current.layout !== 'CHW') {
      const fusedEnd = runMirroredNormalize(children, index, record, current, nextLeafRecord, records);
      if (fusedEnd) {
        index = fusedEnd.index;
        current = fusedEnd.image;
        continue;
      }
    }
    const next = children[index + 1];
    if (record.applied && isRegionResizable(child) && isCropLike(next)) {
      // The fused path bypasses applyRecord, so it must reject CHW tensors itself.
      assertHwc(current, child.className);
      const resizedShape = child.outputShape(current, record.params as object);
      const nextRecord = nextLeafRecord(next, resizedShape);
      records.push(nextRecord);
      index++;
      current = nextRecord.applied
        ? child.resizeRegion(current, record.params!, next.cropRect(resizedShape, nextRecord.params!))
        : child.applyRecord(current, record);
      continue;
    }
    if (
      record.applied &&
      isChwFusable(child) &&
      next instanceof ImageOnlyTransform &&
      next.className === 'ToTensorV2'
    ) {
      assertHwc(current, child.className);
      const nextRecord = nextLeafRecord(next, current);
      records.push(nextRecord);
      index++;
      current = nextRecord.applied ? child.applyToChw(current, record.params!) : child.applyRecord(current, record);
      continue;
    }
    current = child.applyRecord(current, record);
  }
  if (source.mode === 'replay' && replayIndex !== source.records.length) {
    throw new TypeError(`${source.owner}.replay: ${source.records.length} records for ${replayIndex} transforms`);
  }
  return { image: current, records };
}

/**
 * Flips at `start..` followed by Normalize (and ToTensorV2): samples their records in order and
 * applies them as one mirrored Normalize. Returns the last index consumed and the result, or
 * undefined (nothing sampled beyond `start`) when no Normalize follows the flips.
 */
function runMirroredNormalize(
  children: readonly BaseTransform[],
  start: number,
  firstRecord: TransformRecord,
  image: RawImage,
  nextLeafRecord: (child: ImageOnlyTransform<object>, shape: ImageShape) => TransformRecord,
  records: TransformRecord[],
): { index: number; image: RawImage } | undefined {
  let last = start;
  while (isMirroring(children[last + 1])) last++;
  const normalizer = children[last + 1];
  if (!isMirrorFusable(normalizer)) return undefined;
  const flips: { flip: ImageOnlyTransform<object> & Mirroring; record: TransformRecord }[] = [
    { flip: children[start] as ImageOnlyTransform<object> & Mirroring, record: firstRecord },
  ];
  for (let index = start + 1; index <= last; index++) {
    const flip = children[index] as ImageOnlyTransform<object> & Mirroring;
    const record = nextLeafRecord(flip, image); // flips keep the shape
    records.push(record);
    flips.push({ flip, record });
  }
  const normalizeRecord = nextLeafRecord(normalizer, image);
  records.push(normalizeRecord);
  if (!normalizeRecord.applied) {
    let current = image;
    for (const { flip, record } of flips) current = flip.applyRecord(current, record);
    return { index: last + 1, image: normalizer.applyRecord(current, normalizeRecord) };
  }
  const mirror: Mirror = { horizontal: false, vertical: false };
  for (const { flip, record } of flips) {
    if (!record.applied) continue;
    mirror.horizontal = mirror.horizontal !== flip.mirror.horizontal;
    mirror.vertical = mirror.vertical !== flip.mirror.vertical;
  }
  const tensor = children[last + 2];
  if (tensor instanceof ImageOnlyTransform && tensor.className === 'ToTensorV2') {
    const tensorRecord = nextLeafRecord(tensor, image);
    records.push(tensorRecord);
    const layout = tensorRecord.applied ? 'CHW' : 'HWC';
    return { index: last + 2, image: normalizer.applyMirrored(image, normalizeRecord.params!, mirror, layout) };
  }
  return { index: last + 1, image: normalizer.applyMirrored(image, normalizeRecord.params!, mirror, 'HWC') };
}

/** Collects `always_apply` leaves through nested containers (albumentations `get_always_apply`). */
function alwaysApplyLeaves(transforms: readonly BaseTransform[]): BaseTransform[] {
  const result: BaseTransform[] = [];
  for (const transform of transforms) {
    if (
      transform instanceof Compose ||
      transform instanceof OneOf ||
      transform instanceof OneOrOther ||
      transform instanceof SomeOf
    )
      result.push(...alwaysApplyLeaves(transform.transforms));
    else if (transform instanceof ImageOnlyTransform && transform.alwaysApply) result.push(transform);
  }
  return result;
}

function containerOptions(
  owner: string,
  options: object | undefined,
  allowed: readonly string[] = ['p'],
): OptionReader {
  const record = (options ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key))
      throw new TransformOptionError(owner, key, `is not an option; valid options: ${allowed.join(', ')}`);
  }
  return new OptionReader(owner, record);
}

function checkChildren(owner: string, transforms: unknown): BaseTransform[] {
  if (!Array.isArray(transforms)) {
    throw new TransformOptionError(owner, 'transforms', `must be an array of transforms, got ${String(transforms)}`);
  }
  transforms.forEach((transform, index) => {
    if (!(transform instanceof BaseTransform)) {
      throw new TransformOptionError(owner, 'transforms', `entry ${index} is not a transform: ${String(transform)}`);
    }
  });
  return transforms as BaseTransform[];
}

export interface ComposeOptions {
  /** Probability that the children run; when the draw fails only `always_apply` leaves run. Default 1. */
  p?: number;
  /** How {@link Compose.applyToTargets} reads `bboxes` (albumentations `bbox_params`). Default none. */
  bboxParams?: BboxParams | null;
  /** How {@link Compose.applyToTargets} reads `keypoints` (albumentations `keypoint_params`). Default none. */
  keypointParams?: KeypointParams | null;
  /** More targets by name and kind, e.g. `{ image2: 'image', mask2: 'mask', bboxes2: 'bboxes' }`. */
  additionalTargets?: Record<string, TargetKind> | null;
  /** Require image, mask and masks to share height and width. Default true. */
  isCheckShapes?: boolean;
}

const COMPOSE_OPTIONS = ['p', 'bboxParams', 'keypointParams', 'additionalTargets', 'isCheckShapes'] as const;

/**
 * Runs transforms in order (albumentations `Compose`). One `random()` draw decides whether the
 * children run (default `p = 1`); if it fails, only transforms with `alwaysApply` run.
 * @example
 * const pipeline = new Compose([new Resize({ height: 600, width: 600 }), new HorizontalFlip()]);
 * const { image: out, params } = pipeline.apply(image, createRng(7));
 * const same = pipeline.replay(image, params).image;
 */
export class Compose extends BaseTransform {
  readonly className: string = 'Compose';
  readonly transforms: BaseTransform[];
  /** Extra albumentations fields kept for a faithful `to_dict` round trip. */
  extras: { bbox_params: unknown; keypoint_params: unknown; additional_targets: unknown; is_check_shapes: boolean };

  readonly bboxParams: BboxParamsDict | null;
  readonly keypointParams: KeypointParamsDict | null;
  readonly additionalTargets: Readonly<Record<string, TargetKind>>;
  readonly isCheckShapes: boolean;

  constructor(transforms: BaseTransform[], options: ComposeOptions = {}) {
    const reader = containerOptions('Compose', options, COMPOSE_OPTIONS);
    super(reader.probability('p', 1));
    this.transforms = checkChildren('Compose', transforms).slice();
    this.bboxParams = options.bboxParams == null ? null : readBboxParams(options.bboxParams);
    this.keypointParams = options.keypointParams == null ? null : readKeypointParams(options.keypointParams);
    this.additionalTargets = readAdditionalTargets(options.additionalTargets);
    this.isCheckShapes = reader.boolean('isCheckShapes', true);
    this.extras = {
      bbox_params: this.bboxParams,
      keypoint_params: this.keypointParams,
      additional_targets: { ...this.additionalTargets },
      is_check_shapes: this.isCheckShapes,
    };
  }

  /**
   * Transforms an image with its masks, bounding boxes, keypoints and additional targets, as
   * albumentations' `Compose.__call__(image=..., mask=..., bboxes=..., ...)`: the same RNG draws
   * as {@link apply}, every transform's parameters applied to every target (masks with nearest
   * neighbour and `maskValue`), boxes and keypoints converted from `bboxParams.format` /
   * `keypointParams.format`, filtered (`minArea`, `minVisibility`, `removeInvisible`...) and
   * converted back, label fields split off again. `params` is the record {@link replay} takes.
   * @example
   * const pipeline = new Compose([new RandomCrop({ height: 64, width: 64 }), new HorizontalFlip()], {
   *   bboxParams: { format: 'coco', labelFields: ['labels'], minVisibility: 0.3 },
   * });
   * const { data } = pipeline.applyToTargets({ image, mask, bboxes: [[10, 20, 30, 40]], labels: ['cat'] }, createRng(0));
   * // data.image, data.mask, data.bboxes (coco), data.labels (boxes dropped by the filters lose their label too)
   */
  applyToTargets(data: TargetData, rng: Rng, options?: ApplyOptions): TargetResult {
    return runTargets(this, data, { rng, force: options?.force === true });
  }

  /**
   * Re-applies a record of {@link apply} or {@link applyToTargets} to all targets (what
   * albumentations' `ReplayCompose.replay` does); draws nothing.
   * @example
   * const { params } = pipeline.applyToTargets({ image, bboxes, labels }, createRng(3));
   * const again = pipeline.replayTargets({ image: other, bboxes, labels }, params).data;
   */
  replayTargets(data: TargetData, record: TransformRecord): TargetResult {
    return runTargets(this, data, { record });
  }

  apply(image: RawImage, rng: Rng, options?: ApplyOptions): TransformResult {
    assertRawImage(image, 'Compose.apply image');
    const needToRun = options?.force === true || rng.random() < this.p;
    const children = needToRun ? this.transforms : alwaysApplyLeaves(this.transforms);
    const { image: out, records } = runSequence(children, image, { mode: 'sample', rng });
    return { image: out, params: { transform: this.className, applied: needToRun, params: null, transforms: records } };
  }

  replay(image: RawImage, record: TransformRecord): TransformResult {
    assertRawImage(image, 'Compose.replay image');
    if (record?.transform !== this.className || !Array.isArray(record.transforms)) {
      throw new TypeError(`Compose.replay: record is not a Compose record (got ${JSON.stringify(record?.transform)})`);
    }
    const children = record.applied ? this.transforms : alwaysApplyLeaves(this.transforms);
    const { image: out } = runSequence(children, image, {
      mode: 'replay',
      records: record.transforms,
      owner: 'Compose',
    });
    return { image: out, params: record };
  }

  toDict(): AlbumentationsTransformDict {
    return {
      __class_fullname__: this.className,
      p: this.p,
      transforms: this.transforms.map((transform) => transform.toDict()),
      ...this.extras,
    };
  }
}

export interface OneOfOptions {
  /** Probability that one child runs. Default 0.5. */
  p?: number;
}

/**
 * Applies exactly one child, picked with the children's `p` as weights (albumentations `OneOf`).
 * The chosen child always runs, so child *i* runs with probability `p * p_i / Σp`.
 * @example
 * const blurOrNoise = new OneOf([new MotionBlur({ p: 1 }), new GaussNoise({ p: 1 })], { p: 0.3 });
 */
export class OneOf extends BaseTransform {
  readonly className: string = 'OneOf';
  readonly transforms: BaseTransform[];
  /** Normalised child weights (`p_i / Σp`). */
  readonly weights: number[];

  constructor(transforms: BaseTransform[], options: OneOfOptions = {}) {
    const reader = containerOptions('OneOf', options);
    super(reader.probability('p', 0.5));
    this.transforms = checkChildren('OneOf', transforms).slice();
    const total = this.transforms.reduce((sum, transform) => sum + transform.p, 0);
    if (this.transforms.length > 0 && total <= 0) {
      throw new TransformOptionError('OneOf', 'transforms', 'children p values sum to 0, so none can be chosen');
    }
    this.weights = this.transforms.map((transform) => transform.p / total);
  }

  apply(image: RawImage, rng: Rng, options?: ApplyOptions): TransformResult {
    assertRawImage(image, 'OneOf.apply image');
    if (this.transforms.length > 0 && (options?.force === true || rng.random() < this.p)) {
      const indices = this.transforms.map((_, index) => index);
      const chosen = rng.choice(indices, this.weights);
      const result = this.transforms[chosen]!.apply(image, rng, { force: true });
      return {
        image: result.image,
        params: { transform: this.className, applied: true, params: { chosen }, transforms: [result.params] },
      };
    }
    return { image, params: { transform: this.className, applied: false, params: null, transforms: [] } };
  }

  replay(image: RawImage, record: TransformRecord): TransformResult {
    assertRawImage(image, 'OneOf.replay image');
    if (record?.transform !== this.className) {
      throw new TypeError(`OneOf.replay: record is not a OneOf record (got ${JSON.stringify(record?.transform)})`);
    }
    if (!record.applied) return { image, params: record };
    const chosen = (record.params as { chosen?: unknown } | null)?.chosen;
    if (typeof chosen !== 'number' || !this.transforms[chosen] || !record.transforms?.[0]) {
      throw new TypeError(`OneOf.replay: record has no valid chosen child (got ${JSON.stringify(chosen)})`);
    }
    const result = this.transforms[chosen]!.replay(image, record.transforms[0]);
    return { image: result.image, params: record };
  }

  toDict(): AlbumentationsTransformDict {
    return { __class_fullname__: this.className, p: this.p, transforms: this.transforms.map((t) => t.toDict()) };
  }
}

export interface OneOrOtherOptions {
  /** Probability of running the first transform; otherwise the last runs. Default 0.5. */
  p?: number;
}

/**
 * albumentations `OneOrOther(first, second, p=0.5)`: one `random()` draw; below `p` the first
 * transform runs, otherwise the last, either one forced (its own `p` is not drawn against).
 * @example
 * new OneOrOther([new HorizontalFlip(), new VerticalFlip()], { p: 0.5 });
 */
export class OneOrOther extends BaseTransform {
  readonly className: string = 'OneOrOther';
  readonly transforms: BaseTransform[];

  constructor(transforms: BaseTransform[], options: OneOrOtherOptions = {}) {
    const reader = containerOptions('OneOrOther', options);
    super(reader.probability('p', 0.5));
    this.transforms = checkChildren('OneOrOther', transforms).slice();
    if (this.transforms.length === 0)
      throw new TransformOptionError('OneOrOther', 'transforms', 'needs a first and a second transform');
  }

  apply(image: RawImage, rng: Rng): TransformResult {
    assertRawImage(image, 'OneOrOther.apply image');
    const chosen = rng.random() < this.p ? 0 : this.transforms.length - 1;
    const result = this.transforms[chosen]!.apply(image, rng, { force: true });
    return {
      image: result.image,
      params: { transform: this.className, applied: true, params: { chosen }, transforms: [result.params] },
    };
  }

  replay(image: RawImage, record: TransformRecord): TransformResult {
    assertRawImage(image, 'OneOrOther.replay image');
    if (record?.transform !== this.className) {
      throw new TypeError(
        `OneOrOther.replay: record is not a OneOrOther record (got ${JSON.stringify(record?.transform)})`,
      );
    }
    const chosen = (record.params as { chosen?: unknown } | null)?.chosen;
    if (typeof chosen !== 'number' || !this.transforms[chosen] || !record.transforms?.[0]) {
      throw new TypeError(`OneOrOther.replay: record has no valid chosen child (got ${JSON.stringify(chosen)})`);
    }
    return { image: this.transforms[chosen]!.replay(image, record.transforms[0]).image, params: record };
  }

  toDict(): AlbumentationsTransformDict {
    return { __class_fullname__: this.className, p: this.p, transforms: this.transforms.map((t) => t.toDict()) };
  }
}

export interface SomeOfOptions {
  /** How many children to run. Required. */
  n: number;
  /** Draw with replacement (a child can run more than once). Default true. */
  replace?: boolean;
  /** Probability that the drawn children run. Default 1. */
  p?: number;
}

/**
 * albumentations `SomeOf(transforms, n, replace=True, p=1)`: one `random()` draw for `p`, then
 * `n` children drawn with the children's `p` as weights (with or without replacement), each run
 * forced, in the drawn order.
 * @example
 * new SomeOf([new HorizontalFlip(), new RGBShift(), new Blur()], { n: 2, replace: false });
 */
export class SomeOf extends BaseTransform {
  readonly className: string = 'SomeOf';
  readonly transforms: BaseTransform[];
  readonly n: number;
  readonly replace: boolean;
  /** Normalised child weights (`p_i / Σp`). */
  readonly weights: number[];

  constructor(transforms: BaseTransform[], options: SomeOfOptions) {
    const reader = containerOptions('SomeOf', options, ['n', 'replace', 'p']);
    super(reader.probability('p', 1));
    this.transforms = checkChildren('SomeOf', transforms).slice();
    this.n = reader.integer('n', undefined, { min: 0 });
    this.replace = reader.boolean('replace', true);
    const total = this.transforms.reduce((sum, transform) => sum + transform.p, 0);
    this.weights = this.transforms.map((transform) => transform.p / total);
    const drawable = this.weights.filter((weight) => weight > 0).length;
    if (!this.replace && this.n > drawable) {
      reader.fail(
        'n',
        `is ${this.n}, more than the ${drawable} children with p > 0 that can be drawn without replacement`,
      );
    }
  }

  /** The children to run, in order (indices), or null when the `p` draw fails. */
  draw(rng: Rng, force: boolean): number[] | null {
    if (this.transforms.length === 0 || !(force || rng.random() < this.p)) return null;
    const chosen: number[] = [];
    const weights = this.weights.slice();
    for (let draw = 0; draw < this.n; draw++) {
      const total = weights.reduce((sum, weight) => sum + weight, 0);
      const index = rng.choice(
        weights.map((_, i) => i),
        weights.map((weight) => weight / total),
      );
      chosen.push(index);
      if (!this.replace) weights[index] = 0;
    }
    return chosen;
  }

  apply(image: RawImage, rng: Rng, options?: ApplyOptions): TransformResult {
    assertRawImage(image, 'SomeOf.apply image');
    const chosen = this.draw(rng, options?.force === true);
    if (chosen === null)
      return { image, params: { transform: this.className, applied: false, params: null, transforms: [] } };
    let current = image;
    const records: TransformRecord[] = [];
    for (const index of chosen) {
      const result = this.transforms[index]!.apply(current, rng, { force: true });
      current = result.image;
      records.push(result.params);
    }
    return {
      image: current,
      params: { transform: this.className, applied: true, params: { chosen }, transforms: records },
    };
  }

  replay(image: RawImage, record: TransformRecord): TransformResult {
    assertRawImage(image, 'SomeOf.replay image');
    if (record?.transform !== this.className)
      throw new TypeError(`SomeOf.replay: record is not a SomeOf record (got ${JSON.stringify(record?.transform)})`);
    if (!record.applied) return { image, params: record };
    const chosen = (record.params as { chosen?: unknown } | null)?.chosen;
    if (
      !Array.isArray(chosen) ||
      chosen.length !== record.transforms?.length ||
      chosen.some((index) => !this.transforms[index as number])
    ) {
      throw new TypeError(`SomeOf.replay: record has no valid chosen children (got ${JSON.stringify(chosen)})`);
    }
    let current = image;
    chosen.forEach(
      (index, position) =>
        (current = this.transforms[index as number]!.replay(current, record.transforms![position]!).image),
    );
    return { image: current, params: record };
  }

  toDict(): AlbumentationsTransformDict {
    return {
      __class_fullname__: this.className,
      p: this.p,
      transforms: this.transforms.map((t) => t.toDict()),
      n: this.n,
      replace: this.replace,
    };
  }
}
