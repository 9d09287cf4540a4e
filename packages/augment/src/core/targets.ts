/**
 * Masks, bounding boxes and keypoints through a pipeline, as albumentations 1.3.1's
 * `Compose(transforms, bbox_params=..., keypoint_params=..., additional_targets=...)(image=...,
 * mask=..., masks=..., bboxes=..., keypoints=..., <label fields>...)` does: boxes and keypoints are
 * checked and converted to albumentations' internal formats (labels appended), every transform
 * applies its sampled parameters to every target, boxes / keypoints are filtered after each
 * transform (`check_each_transform`) and at the end, then converted back and the labels split off.
 * RNG draws are exactly those of {@link Compose.apply} on the image alone.
 */
import { assertRawImage, type RawImage } from './raw-image.js';
import type { Rng } from './rng.js';
import { TransformOptionError } from './options.js';
import { type BaseTransform, ImageOnlyTransform, type TargetShape, type TransformRecord } from './transform.js';
import {
  BBOX_FORMATS,
  checkBboxes,
  convertBboxesFromAlbumentations,
  convertBboxesToAlbumentations,
  filterBboxes,
  type BBox,
} from './bbox-utils.js';
import {
  KEYPOINT_FORMATS,
  convertKeypointsFromAlbumentations,
  convertKeypointsToAlbumentations,
  filterKeypoints,
  type InternalKeypoint,
  type Keypoint,
} from './keypoints-utils.js';

/** How `Compose` reads bounding boxes (albumentations `BboxParams`). */
export interface BboxParams {
  /** `pascal_voc` (pixels, corners), `albumentations` (normalised corners), `coco` (pixels, x y w h), `yolo` (normalised centre, w h). */
  format: (typeof BBOX_FORMATS)[number];
  /** Names of data fields holding one label per box (e.g. `['labels']`). Default none: labels then follow the coordinates in each box. */
  labelFields?: string[] | null;
  /** Drop boxes whose visible area is under this many pixels. Default 0. */
  minArea?: number;
  /** Drop boxes with less than this fraction of their area visible. Default 0. */
  minVisibility?: number;
  /** Drop boxes narrower than this many pixels. Default 0. */
  minWidth?: number;
  /** Drop boxes lower than this many pixels. Default 0. */
  minHeight?: number;
  /** Filter boxes after every transform, not only at the end. Default true. */
  checkEachTransform?: boolean;
}

/** How `Compose` reads keypoints (albumentations `KeypointParams`). */
export interface KeypointParams {
  /** `xy`, `yx`, `xya`, `xys`, `xyas` or `xysa` (a: angle, s: scale). */
  format: (typeof KEYPOINT_FORMATS)[number];
  labelFields?: string[] | null;
  /** Drop keypoints that leave the image. Default true. */
  removeInvisible?: boolean;
  /** Angles in degrees (else radians). Default true. */
  angleInDegrees?: boolean;
  /** Filter keypoints after every transform. Default true. */
  checkEachTransform?: boolean;
}

/** What a target name means: `additionalTargets` maps new names to one of these. */
export type TargetKind = 'image' | 'mask' | 'masks' | 'bboxes' | 'keypoints';
const TARGET_KINDS: readonly TargetKind[] = ['image', 'mask', 'masks', 'bboxes', 'keypoints'];

/** The data a pipeline transforms (albumentations' keyword arguments). */
export interface TargetData {
  image: RawImage;
  mask?: RawImage;
  masks?: RawImage[];
  bboxes?: readonly (readonly unknown[])[];
  keypoints?: readonly (readonly unknown[])[];
  /** Label fields and additional targets (`image2`, `mask2`, `bboxes2`, ...). */
  [name: string]: unknown;
}

/** The transformed data, with the record of what ran (replayable on images with `Compose.replay`). */
export interface TargetResult {
  data: TargetData;
  params: TransformRecord;
}

/** albumentations' dict forms (what `to_dict` writes). */
export interface BboxParamsDict {
  format: string;
  label_fields: string[] | null;
  min_area: number;
  min_visibility: number;
  min_width: number;
  min_height: number;
  check_each_transform: boolean;
}
export interface KeypointParamsDict {
  format: string;
  label_fields: string[] | null;
  remove_invisible: boolean;
  angle_in_degrees: boolean;
  check_each_transform: boolean;
}

function readFields(
  owner: string,
  record: Record<string, unknown>,
  allowed: Record<string, string>,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const name = allowed[key];
    if (name === undefined) {
      throw new TransformOptionError(
        'Compose',
        owner,
        `has no option "${key}"; valid: ${[...new Set(Object.values(allowed))].join(', ')}`,
      );
    }
    values[name] = value;
  }
  return values;
}

/**
 * Reads a `bboxParams` / `keypointParams` object: the fields both share (`format`, `labelFields`,
 * `checkEachTransform`, either spelling) around the processor's own `allowed` ones, then checks `format`.
 */
function readProcessorParams(
  owner: string,
  value: unknown,
  formats: readonly string[],
  allowed: Record<string, string>,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TransformOptionError('Compose', owner, `must be an object, got ${JSON.stringify(value)}`);
  const fields = readFields(owner, value as Record<string, unknown>, {
    format: 'format',
    labelFields: 'labelFields',
    label_fields: 'labelFields',
    ...allowed,
    checkEachTransform: 'checkEachTransform',
    check_each_transform: 'checkEachTransform',
  });
  if (!(formats as readonly unknown[]).includes(fields.format)) {
    throw new TransformOptionError(
      'Compose',
      owner,
      `format must be one of ${formats.join(', ')}, got ${JSON.stringify(fields.format)}`,
    );
  }
  return fields;
}

function labelFieldsOf(owner: string, value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || !value.every((field) => typeof field === 'string')) {
    throw new TransformOptionError(
      'Compose',
      owner,
      `labelFields must be a list of field names, got ${JSON.stringify(value)}`,
    );
  }
  return value.slice();
}

function numberOf(owner: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new TransformOptionError('Compose', owner, `${name} must be a number, got ${JSON.stringify(value)}`);
  return value;
}

function booleanOf(owner: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new TransformOptionError('Compose', owner, `${name} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Validates `bboxParams` (camelCase, or albumentations' snake_case dict) into the dict form.
 * @example readBboxParams({ format: 'coco', labelFields: ['labels'] });
 */
export function readBboxParams(value: unknown): BboxParamsDict {
  const owner = 'bboxParams';
  const fields = readProcessorParams(owner, value, BBOX_FORMATS, {
    minArea: 'minArea',
    min_area: 'minArea',
    minVisibility: 'minVisibility',
    min_visibility: 'minVisibility',
    minWidth: 'minWidth',
    min_width: 'minWidth',
    minHeight: 'minHeight',
    min_height: 'minHeight',
  });
  return {
    format: fields.format as string,
    label_fields: labelFieldsOf(owner, fields.labelFields),
    min_area: numberOf(owner, 'minArea', fields.minArea, 0),
    min_visibility: numberOf(owner, 'minVisibility', fields.minVisibility, 0),
    min_width: numberOf(owner, 'minWidth', fields.minWidth, 0),
    min_height: numberOf(owner, 'minHeight', fields.minHeight, 0),
    check_each_transform: booleanOf(owner, 'checkEachTransform', fields.checkEachTransform, true),
  };
}

/**
 * Validates `keypointParams` (camelCase or snake_case) into the dict form.
 * @example readKeypointParams({ format: 'xy', removeInvisible: false });
 */
export function readKeypointParams(value: unknown): KeypointParamsDict {
  const owner = 'keypointParams';
  const fields = readProcessorParams(owner, value, KEYPOINT_FORMATS, {
    removeInvisible: 'removeInvisible',
    remove_invisible: 'removeInvisible',
    angleInDegrees: 'angleInDegrees',
    angle_in_degrees: 'angleInDegrees',
  });
  return {
    format: fields.format as string,
    label_fields: labelFieldsOf(owner, fields.labelFields),
    remove_invisible: booleanOf(owner, 'removeInvisible', fields.removeInvisible, true),
    angle_in_degrees: booleanOf(owner, 'angleInDegrees', fields.angleInDegrees, true),
    check_each_transform: booleanOf(owner, 'checkEachTransform', fields.checkEachTransform, true),
  };
}

/**
 * Validates `additionalTargets` (`{ image2: 'image', mask2: 'mask', bboxes2: 'bboxes' }`).
 * @example readAdditionalTargets({ image2: 'image' });
 */
export function readAdditionalTargets(value: unknown): Record<string, TargetKind> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new TransformOptionError('Compose', 'additionalTargets', `must be an object, got ${JSON.stringify(value)}`);
  const targets: Record<string, TargetKind> = {};
  for (const [name, kind] of Object.entries(value as Record<string, unknown>)) {
    if (!(TARGET_KINDS as readonly unknown[]).includes(kind)) {
      throw new TransformOptionError(
        'Compose',
        'additionalTargets',
        `"${name}" must map to one of ${TARGET_KINDS.join(', ')}, got ${JSON.stringify(kind)}`,
      );
    }
    targets[name] = kind as TargetKind;
  }
  return targets;
}

/** What {@link runTargets} needs of a Compose. */
export interface TargetPipeline {
  readonly transforms: readonly BaseTransform[];
  readonly p: number;
  readonly bboxParams: BboxParamsDict | null;
  readonly keypointParams: KeypointParamsDict | null;
  readonly additionalTargets: Readonly<Record<string, TargetKind>>;
  readonly isCheckShapes: boolean;
}

type Processor =
  | { kind: 'bboxes'; params: BboxParamsDict; fields: string[] }
  | { kind: 'keypoints'; params: KeypointParamsDict; fields: string[] };

function processorsOf(pipeline: TargetPipeline): Processor[] {
  const fieldsOf = (kind: TargetKind) => [
    kind,
    ...Object.entries(pipeline.additionalTargets)
      .filter(([, value]) => value === kind)
      .map(([name]) => name),
  ];
  const processors: Processor[] = [];
  if (pipeline.bboxParams) processors.push({ kind: 'bboxes', params: pipeline.bboxParams, fields: fieldsOf('bboxes') });
  if (pipeline.keypointParams)
    processors.push({ kind: 'keypoints', params: pipeline.keypointParams, fields: fieldsOf('keypoints') });
  return processors;
}

/** albumentations `Compose._check_args`: image-like targets are images, with one height and width. */
function checkArgs(pipeline: TargetPipeline, data: TargetData): void {
  const shapes: string[] = [];
  for (const [name, value] of Object.entries(data)) {
    if (value === undefined) continue;
    const kind = pipeline.additionalTargets[name] ?? name;
    if (kind === 'image' || kind === 'mask') {
      assertRawImage(value as RawImage, `Compose.applyToTargets ${name}`);
      shapes.push(`${(value as RawImage).height}x${(value as RawImage).width}`);
    } else if (kind === 'masks') {
      if (!Array.isArray(value) || value.length === 0)
        throw new TypeError(`Compose.applyToTargets: ${name} must be a non-empty list of masks`);
      value.forEach((mask, index) => assertRawImage(mask as RawImage, `Compose.applyToTargets ${name}[${index}]`));
      shapes.push(`${(value[0] as RawImage).height}x${(value[0] as RawImage).width}`);
    } else if (kind === 'bboxes' && !pipeline.bboxParams) {
      throw new TransformOptionError('Compose', 'bboxParams', `must be given to transform "${name}" (bounding boxes)`);
    } else if (kind === 'keypoints' && !pipeline.keypointParams) {
      throw new TransformOptionError('Compose', 'keypointParams', `must be given to transform "${name}" (keypoints)`);
    }
  }
  if (pipeline.isCheckShapes && shapes.some((shape) => shape !== shapes[0])) {
    throw new RangeError(
      `Compose.applyToTargets: height and width of image, mask and masks must be equal (got ${shapes.join(', ')}); ` +
        'pass isCheckShapes: false to skip this check',
    );
  }
}

/** albumentations `ensure_data_valid`. */
function ensureDataValid(processor: Processor, data: TargetData): void {
  if (processor.kind === 'bboxes') {
    for (const field of processor.fields) {
      const boxes = data[field] as readonly (readonly unknown[])[] | undefined;
      if (boxes && boxes.length > 0 && boxes[0]!.length < 5 && processor.params.label_fields === null) {
        throw new TransformOptionError(
          'Compose',
          'bboxParams',
          `${field}: boxes need labels: give labelFields, or add a label after the four coordinates of each box`,
        );
      }
    }
  }
  for (const field of processor.params.label_fields ?? []) {
    if (!(field in data))
      throw new TransformOptionError(
        'Compose',
        processor.kind === 'bboxes' ? 'bboxParams' : 'keypointParams',
        `label field "${field}" is missing from the data`,
      );
  }
}

function preprocess(processor: Processor, data: TargetData): void {
  const { rows, cols } = { rows: data.image.height, cols: data.image.width };
  const labelFields = processor.params.label_fields ?? [];
  for (const field of processor.fields) {
    if (data[field] === undefined) continue;
    let items = data[field] as readonly (readonly unknown[])[];
    for (const labelField of labelFields) {
      const labels = data[labelField] as readonly unknown[];
      if (!Array.isArray(labels) || labels.length !== items.length) {
        throw new RangeError(
          `Compose.applyToTargets: label field "${labelField}" has ${Array.isArray(labels) ? labels.length : 'no'} entries for ${items.length} ${field}`,
        );
      }
      items = items.map((item, index) => [...item, labels[index]]);
    }
    data[field] = convertTo(processor, items, rows, cols);
  }
}

function convertTo(
  processor: Processor,
  items: readonly (readonly unknown[])[],
  rows: number,
  cols: number,
): unknown[] {
  if (processor.kind === 'bboxes') {
    if (processor.params.format === 'albumentations') {
      checkBboxes(items as unknown as BBox[]);
      return items.slice();
    }
    return convertBboxesToAlbumentations(items as unknown as BBox[], processor.params.format, rows, cols, true);
  }
  const params = processor.params;
  return convertKeypointsToAlbumentations(
    items as unknown as Keypoint[],
    params.format,
    rows,
    cols,
    params.remove_invisible,
    params.angle_in_degrees,
  );
}

function filterItems(processor: Processor, items: readonly unknown[], rows: number, cols: number): unknown[] {
  if (processor.kind === 'bboxes') {
    const params = processor.params;
    return filterBboxes(items as BBox[], rows, cols, {
      minArea: params.min_area,
      minVisibility: params.min_visibility,
      minWidth: params.min_width,
      minHeight: params.min_height,
    });
  }
  return filterKeypoints(items as InternalKeypoint[], rows, cols, processor.params.remove_invisible);
}

function postprocess(processor: Processor, data: TargetData): void {
  const rows = data.image.height;
  const cols = data.image.width;
  for (const field of processor.fields) {
    if (data[field] === undefined) continue;
    const filtered = filterItems(processor, (data[field] as unknown[] | undefined) ?? [], rows, cols);
    if (processor.kind === 'bboxes') {
      if (processor.params.format === 'albumentations') {
        checkBboxes(filtered as BBox[]);
        data[field] = filtered;
      } else {
        data[field] = convertBboxesFromAlbumentations(filtered as BBox[], processor.params.format, rows, cols, true);
      }
    } else {
      const params = processor.params;
      data[field] = convertKeypointsFromAlbumentations(
        filtered as InternalKeypoint[],
        params.format,
        rows,
        cols,
        params.remove_invisible,
        params.angle_in_degrees,
      );
    }
  }
  const labelFields = processor.params.label_fields ?? [];
  if (labelFields.length === 0) return;
  for (const field of processor.fields) {
    if (data[field] === undefined) continue;
    const items = data[field] as (readonly unknown[])[];
    labelFields.forEach((labelField, index) => {
      data[labelField] = items.map((item) => item[item.length - labelFields.length + index]);
    });
    data[field] = items.map((item) => item.slice(0, item.length - labelFields.length));
  }
}

/** Applies one leaf transform's record to every target (albumentations `apply_with_params`). */
function applyLeaf(
  transform: ImageOnlyTransform<object>,
  record: TransformRecord,
  data: TargetData,
  kinds: Readonly<Record<string, TargetKind>>,
): TargetData {
  if (!record.applied) return data;
  const params = { ...(record.params as object), rows: data.image.height, cols: data.image.width } as object &
    TargetShape;
  const out: TargetData = { ...data };
  for (const [name, value] of Object.entries(data)) {
    if (value === undefined || value === null) continue;
    const kind = kinds[name] ?? ((TARGET_KINDS as readonly string[]).includes(name) ? (name as TargetKind) : undefined);
    switch (kind) {
      case 'image':
        out[name] = transform.applyRecord(value as RawImage, record);
        break;
      case 'mask':
        out[name] = transform.applyToMask(value as RawImage, params);
        break;
      case 'masks':
        out[name] = (value as RawImage[]).map((mask) => transform.applyToMask(mask, params));
        break;
      case 'bboxes':
        out[name] = transform.applyToBboxes(value as BBox[], params);
        break;
      case 'keypoints':
        out[name] = transform.applyToKeypoints(value as InternalKeypoint[], params);
        break;
      default:
        break; // label fields and other data pass through
    }
  }
  return out;
}

interface Container {
  readonly className: string;
  readonly transforms: readonly BaseTransform[];
  readonly p: number;
  readonly weights?: readonly number[];
}

function isContainer(transform: BaseTransform): transform is BaseTransform & Container {
  return (
    ['Compose', 'OneOf', 'OneOrOther', 'SomeOf'].includes(transform.className) &&
    Array.isArray((transform as unknown as Container).transforms)
  );
}

/** albumentations `get_always_apply`: the `alwaysApply` leaves, through nested containers. */
function alwaysApplyLeaves(transforms: readonly BaseTransform[]): BaseTransform[] {
  return transforms.flatMap((transform) =>
    isContainer(transform)
      ? alwaysApplyLeaves(transform.transforms)
      : transform instanceof ImageOnlyTransform && transform.alwaysApply
        ? [transform]
        : [],
  );
}

/** One transform (leaf or container) on all targets, drawing from `rng` as its `apply` does. */
function runOne(
  transform: BaseTransform,
  data: TargetData,
  rng: Rng,
  force: boolean,
  kinds: Readonly<Record<string, TargetKind>>,
): { data: TargetData; record: TransformRecord } {
  if (transform instanceof ImageOnlyTransform) {
    const record = transform.sample(data.image, rng, { force });
    return { data: applyLeaf(transform, record, data, kinds), record };
  }
  if (!isContainer(transform))
    throw new TypeError(`Compose.applyToTargets: ${transform.className} cannot transform targets`);
  const { className, transforms } = transform;
  if (className === 'Compose') {
    const applied = force || rng.random() < transform.p;
    const records: TransformRecord[] = [];
    let current = data;
    for (const child of applied ? transforms : alwaysApplyLeaves(transforms)) {
      const result = runOne(child, current, rng, false, kinds);
      current = result.data;
      records.push(result.record);
    }
    return { data: current, record: { transform: className, applied, params: null, transforms: records } };
  }
  if (className === 'SomeOf') {
    const chosen = (transform as unknown as { draw(rng: Rng, force: boolean): number[] | null }).draw(rng, force);
    if (chosen === null)
      return { data, record: { transform: className, applied: false, params: null, transforms: [] } };
    const records: TransformRecord[] = [];
    let current = data;
    for (const index of chosen) {
      const result = runOne(transforms[index]!, current, rng, true, kinds);
      current = result.data;
      records.push(result.record);
    }
    return { data: current, record: { transform: className, applied: true, params: { chosen }, transforms: records } };
  }
  if (className === 'OneOf') {
    if (transforms.length > 0 && (force || rng.random() < transform.p)) {
      const chosen = rng.choice(
        transforms.map((_, index) => index),
        transform.weights as number[],
      );
      const result = runOne(transforms[chosen]!, data, rng, true, kinds);
      return {
        data: result.data,
        record: { transform: className, applied: true, params: { chosen }, transforms: [result.record] },
      };
    }
    return { data, record: { transform: className, applied: false, params: null, transforms: [] } };
  }
  const chosen = rng.random() < transform.p ? 0 : transforms.length - 1; // OneOrOther
  const result = runOne(transforms[chosen]!, data, rng, true, kinds);
  return {
    data: result.data,
    record: { transform: className, applied: true, params: { chosen }, transforms: [result.record] },
  };
}

/** Re-applies a record made by {@link runOne} (or `Compose.apply`) to all targets; draws nothing. */
function replayOne(
  transform: BaseTransform,
  data: TargetData,
  record: TransformRecord,
  kinds: Readonly<Record<string, TargetKind>>,
): TargetData {
  if (record?.transform !== transform.className) {
    throw new TypeError(
      `Compose.replayTargets: record is for ${JSON.stringify(record?.transform)}, expected "${transform.className}"`,
    );
  }
  if (transform instanceof ImageOnlyTransform) return applyLeaf(transform, record, data, kinds);
  if (!isContainer(transform))
    throw new TypeError(`Compose.replayTargets: ${transform.className} cannot transform targets`);
  if (transform.className === 'Compose') {
    const children = record.applied ? transform.transforms : alwaysApplyLeaves(transform.transforms);
    if (record.transforms?.length !== children.length)
      throw new TypeError(
        `Compose.replayTargets: ${record.transforms?.length ?? 0} records for ${children.length} transforms`,
      );
    return children.reduce(
      (current, child, index) => replayOne(child, current, record.transforms![index]!, kinds),
      data,
    );
  }
  if (!record.applied) return data;
  if (transform.className === 'SomeOf') {
    const chosen = (record.params as { chosen?: unknown } | null)?.chosen;
    if (
      !Array.isArray(chosen) ||
      chosen.length !== record.transforms?.length ||
      chosen.some((index) => !transform.transforms[index as number])
    ) {
      throw new TypeError(
        `Compose.replayTargets: SomeOf record has no valid chosen children (got ${JSON.stringify(chosen)})`,
      );
    }
    return chosen.reduce(
      (current: TargetData, index, position) =>
        replayOne(transform.transforms[index as number]!, current, record.transforms![position]!, kinds),
      data,
    );
  }
  const chosen = (record.params as { chosen?: unknown } | null)?.chosen;
  if (typeof chosen !== 'number' || !transform.transforms[chosen] || !record.transforms?.[0]) {
    throw new TypeError(
      `Compose.replayTargets: ${transform.className} record has no valid chosen child (got ${JSON.stringify(chosen)})`,
    );
  }
  return replayOne(transform.transforms[chosen]!, data, record.transforms[0], kinds);
}

/** Where the records come from: sampled from an RNG, or a previous run's record. */
export type TargetSource = { rng: Rng; force?: boolean } | { record: TransformRecord };

/**
 * albumentations `Compose.__call__` on all targets (what `Compose.applyToTargets` runs).
 * @example
 * const { data } = runTargets(pipeline, { image, bboxes: [[10, 20, 50, 60]], labels: ['cat'] }, { rng: createRng(0) });
 */
export function runTargets(pipeline: TargetPipeline, input: TargetData, source: TargetSource): TargetResult {
  if (typeof input !== 'object' || input === null || !('image' in input))
    throw new TypeError('Compose.applyToTargets: data must be an object with an `image`');
  checkArgs(pipeline, input);
  const replaying = 'record' in source;
  if (replaying && (source.record?.transform !== 'Compose' || !Array.isArray(source.record.transforms))) {
    throw new TypeError(
      `Compose.replayTargets: record is not a Compose record (got ${JSON.stringify(source.record?.transform)})`,
    );
  }
  const applied = replaying ? source.record.applied : source.force === true || source.rng.random() < pipeline.p;
  const processors = processorsOf(pipeline);
  for (const processor of processors) ensureDataValid(processor, input);
  const transforms = applied ? pipeline.transforms : alwaysApplyLeaves(pipeline.transforms);
  const checkEachTransform = processors.some((processor) => processor.params.check_each_transform);
  let data: TargetData = { ...input };
  for (const processor of processors) preprocess(processor, data);
  const records: TransformRecord[] = [];
  if (replaying && source.record.transforms!.length !== transforms.length) {
    throw new TypeError(
      `Compose.replayTargets: ${source.record.transforms!.length} records for ${transforms.length} transforms`,
    );
  }
  for (const [index, transform] of transforms.entries()) {
    if (replaying) {
      const record = source.record.transforms![index]!;
      data = replayOne(transform, data, record, pipeline.additionalTargets);
      records.push(record);
    } else {
      const result = runOne(transform, data, source.rng, false, pipeline.additionalTargets);
      data = result.data;
      records.push(result.record);
    }
    if (checkEachTransform) {
      for (const processor of processors) {
        if (!processor.params.check_each_transform) continue;
        for (const field of processor.fields)
          if (data[field] !== undefined)
            data[field] = filterItems(
              processor,
              (data[field] as unknown[] | undefined) ?? [],
              data.image.height,
              data.image.width,
            );
      }
    }
  }
  for (const processor of processors) postprocess(processor, data);
  return { data, params: { transform: 'Compose', applied, params: null, transforms: records } };
}
