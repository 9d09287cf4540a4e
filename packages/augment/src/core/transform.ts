import { assertHwc, assertRawImage, type ImageShape, type RawImage } from './raw-image.js';
import type { Rng } from './rng.js';
import type { OptionReader } from './options.js';
import { OptionSchema, ReadOptions } from './schema.js';
import type { BBox, BBoxCoords } from './bbox-utils.js';
import type { InternalKeypoint, KeypointCoords } from './keypoints-utils.js';

export { readOptions, type TransformOptions } from './options.js';

/** The size of the image a transform's parameters were sampled for (albumentations' `rows`, `cols`). */
export interface TargetShape {
  rows: number;
  cols: number;
}

/**
 * What one transform did to one image: enough to replay it exactly. Plain JSON.
 * `params` holds the sampled parameters (null when the transform did not run); containers
 * (`Compose`, `OneOf`) list their children's records in `transforms`.
 */
export interface TransformRecord {
  transform: string;
  applied: boolean;
  params: Record<string, unknown> | null;
  transforms?: TransformRecord[];
}

/** Result of {@link BaseTransform.apply} and {@link BaseTransform.replay}. */
export interface TransformResult {
  image: RawImage;
  params: TransformRecord;
}

export interface ApplyOptions {
  /** Run regardless of `p` (what `OneOf` does for the child it picks). */
  force?: boolean;
}

/** One transform in albumentations' `to_dict` format. */
export interface AlbumentationsTransformDict {
  __class_fullname__: string;
  [key: string]: unknown;
}

/**
 * Base of every transform and container. `apply` samples from the RNG and returns the new image
 * with a record of what it did; `replay` re-applies a record without touching any RNG.
 */
export abstract class BaseTransform {
  /** albumentations class name (`__class_fullname__`). */
  abstract readonly className: string;
  p: number;

  constructor(p: number) {
    this.p = p;
  }

  /**
   * Samples parameters from `rng` and applies them.
   * @example
   * const { image: out, params } = new HorizontalFlip({ p: 0.5 }).apply(image, createRng(1));
   */
  abstract apply(image: RawImage, rng: Rng, options?: ApplyOptions): TransformResult;

  /**
   * Re-applies the parameters recorded by a previous {@link apply}; draws nothing.
   * @example
   * const again = pipeline.replay(image, params).image; // same pixels as the first run
   */
  abstract replay(image: RawImage, record: TransformRecord): TransformResult;

  /** The transform in albumentations' `to_dict` format (without the `__version__` wrapper). */
  abstract toDict(): AlbumentationsTransformDict;
}

/**
 * A transform that changes the image only. This class is the ONE place that handles `p`,
 * `always_apply`, parameter sampling, recording and replay, following albumentations 1.3
 * `BasicTransform.__call__`: a `random()` draw happens every call (even with `always_apply`),
 * then `getParams` samples, then `applyWithParams` (pure) runs.
 */
export abstract class ImageOnlyTransform<Params extends object = Record<string, never>> extends BaseTransform {
  alwaysApply: boolean;

  /**
   * @param defaults albumentations' per-transform defaults for `p` and `always_apply`.
   * @param reader the validated constructor options (see {@link readOptions}).
   * Or, from {@link SchemaTransform}: options read by a schema, assigned to the same-named fields.
   */
  constructor(options: ReadOptions<object>);
  constructor(defaults: { p: number; alwaysApply?: boolean }, reader: OptionReader);
  constructor(options: ReadOptions<object> | { p: number; alwaysApply?: boolean }, reader?: OptionReader) {
    if (options instanceof ReadOptions) {
      super(options.p);
      this.alwaysApply = options.alwaysApply;
      Object.assign(this, options.values);
    } else {
      super(reader!.probability('p', options.p));
      this.alwaysApply = reader!.boolean('alwaysApply', options.alwaysApply ?? false);
    }
  }

  /**
   * The gate and the sampling, without touching pixels: what {@link apply} does first.
   * `shape` is the shape of the image the transform will receive.
   */
  sample(shape: ImageShape, rng: Rng, options?: ApplyOptions): TransformRecord {
    const draw = rng.random();
    if (draw < this.p || this.alwaysApply || options?.force === true) {
      return {
        transform: this.className,
        applied: true,
        params: this.getParams(shape, rng) as Record<string, unknown>,
      };
    }
    return { transform: this.className, applied: false, params: null };
  }

  apply(image: RawImage, rng: Rng, options?: ApplyOptions): TransformResult {
    assertRawImage(image, `${this.className}.apply image`);
    assertHwc(image, this.className);
    const record = this.sample(image, rng, options);
    return { image: this.applyRecord(image, record), params: record };
  }

  replay(image: RawImage, record: TransformRecord): TransformResult {
    assertRawImage(image, `${this.className}.replay image`);
    this.checkRecord(record);
    return { image: this.applyRecord(image, record), params: record };
  }

  /** Applies a record produced by {@link sample} (identity when it did not run). */
  applyRecord(image: RawImage, record: TransformRecord): RawImage {
    if (!record.applied) return image;
    assertHwc(image, this.className);
    return this.applyWithParams(image, record.params as unknown as Params);
  }

  /** The output shape for given params (default: unchanged). */
  outputShape(shape: ImageShape, params: Params): ImageShape {
    void params;
    return { width: shape.width, height: shape.height, channels: shape.channels };
  }

  protected checkRecord(record: TransformRecord): void {
    if (typeof record !== 'object' || record === null || record.transform !== this.className) {
      throw new TypeError(
        `${this.className}.replay: record is for ${JSON.stringify((record as TransformRecord | null)?.transform)}, expected "${this.className}"`,
      );
    }
    if (record.applied && (typeof record.params !== 'object' || record.params === null)) {
      throw new TypeError(`${this.className}.replay: an applied record needs params`);
    }
  }

  /** Samples this transform's parameters (albumentations `get_params` + `..._dependent_on_targets`). */
  protected abstract getParams(shape: ImageShape, rng: Rng): Params;

  /** Pure application with explicit parameters. */
  abstract applyWithParams(image: RawImage, params: Params): RawImage;

  /**
   * The same parameters applied to a segmentation mask (albumentations `apply_to_mask`):
   * geometric transforms move it with nearest-neighbour interpolation and fill constant borders
   * with `mask_value`; pixel-level transforms leave it as it is (this default).
   * @example
   * const { image: out, params } = rotate.apply(image, rng);
   * const maskOut = rotate.applyToMask(mask, params.params as never); // mask: 1 channel, uint8
   */
  applyToMask(mask: RawImage, params: Params): RawImage {
    void params;
    return mask;
  }

  /**
   * The same parameters applied to one bounding box in albumentations format (normalised
   * `[x_min, y_min, x_max, y_max]`), as albumentations' `apply_to_bbox`; `params` also holds the
   * input image's `rows` and `cols`. Pixel-level transforms leave boxes as they are (this default).
   * @example
   * new HorizontalFlip().applyToBbox([0.1, 0.2, 0.3, 0.4], { rows: 100, cols: 100 }); // [0.7, 0.2, 0.9, 0.4]
   */
  applyToBbox(bbox: BBox, params: Params & TargetShape): BBoxCoords {
    void params;
    return [bbox[0], bbox[1], bbox[2], bbox[3]];
  }

  /**
   * The same parameters applied to one keypoint `[x, y, angle (radians), scale]` in pixels, as
   * albumentations' `apply_to_keypoint`. Pixel-level transforms leave keypoints as they are.
   * @example
   * new HorizontalFlip().applyToKeypoint([10, 20, 0, 1], { rows: 100, cols: 100 }); // [89, 20, π, 1]
   */
  applyToKeypoint(keypoint: InternalKeypoint, params: Params & TargetShape): KeypointCoords {
    void params;
    return [keypoint[0], keypoint[1], keypoint[2], keypoint[3]];
  }

  /**
   * {@link applyToBbox} over a list, labels (what follows the four coordinates) kept
   * (albumentations `apply_to_bboxes`).
   * @example
   * const boxes = flip.applyToBboxes([[0.1, 0.2, 0.3, 0.4, 'cat']], { ...record.params, rows: 100, cols: 100 });
   */
  applyToBboxes(bboxes: readonly BBox[], params: Params & TargetShape): BBox[] {
    return bboxes.map(
      (bbox) => [...this.applyToBbox(bbox.slice(0, 4) as unknown as BBox, params), ...bbox.slice(4)] as unknown as BBox,
    );
  }

  /**
   * {@link applyToKeypoint} over a list, labels kept (albumentations `apply_to_keypoints`).
   * @example
   * const points = rotate.applyToKeypoints([[10, 20, 0, 1, 'nose']], { ...record.params, rows: 100, cols: 100 });
   */
  applyToKeypoints(keypoints: readonly InternalKeypoint[], params: Params & TargetShape): InternalKeypoint[] {
    return keypoints.map(
      (keypoint) =>
        [
          ...this.applyToKeypoint(keypoint.slice(0, 4) as unknown as InternalKeypoint, params),
          ...keypoint.slice(4),
        ] as unknown as InternalKeypoint,
    );
  }

  /** Constructor arguments in albumentations' names and order (`get_transform_init_args`). */
  protected abstract initArgs(): Record<string, unknown>;

  toDict(): AlbumentationsTransformDict {
    return { __class_fullname__: this.className, always_apply: this.alwaysApply, p: this.p, ...this.initArgs() };
  }
}

/**
 * An {@link ImageOnlyTransform} whose options are declared once, in a static `schema`
 * (core/schema.ts): the constructor reads them into the class's `declare`d fields, and
 * `albumentationsArgs` and `to_dict` follow from the schema.
 * @example
 * class Posterize extends SchemaTransform<Record<string, never>> {
 *   static readonly schema = defineOptions({ p: 0.5 }, { numBits: int({ default: 4, min: 0, max: 8 }) });
 *   readonly className = 'Posterize';
 *   declare readonly numBits: number;
 *   constructor(options: OptionsOf<typeof Posterize.schema> = {}) {
 *     super(Posterize.schema.read('Posterize', options));
 *   }
 *   // getParams, applyWithParams as for any ImageOnlyTransform
 * }
 */
export abstract class SchemaTransform<
  Params extends object = Record<string, never>,
> extends ImageOnlyTransform<Params> {
  /** albumentations' argument names besides `p` and `always_apply`, in order, from the class's schema. */
  static get albumentationsArgs(): readonly string[] {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass whose schema is asked for
    return schemaOf(this, 'SchemaTransform').albumentationsArgs;
  }

  constructor(options: ReadOptions<object>) {
    super(options);
  }

  protected initArgs(): Record<string, unknown> {
    return schemaOf(this.constructor, this.className).toDict(this);
  }
}

function schemaOf(transformClass: unknown, name: string): OptionSchema {
  const schema = (transformClass as { schema?: unknown }).schema;
  if (!(schema instanceof OptionSchema))
    throw new TypeError(`${name}: a SchemaTransform needs a static schema = defineOptions(...)`);
  return schema;
}
