/**
 * albumentations' `to_dict` JSON format, both ways, with a registry of transform classes.
 * Output uses the same keys and `__class_fullname__` values as albumentations 1.3.1, so
 * `A.from_dict(json)` loads what `toAlbumentationsDict` writes and vice versa.
 * It sits above the transforms (it reads their registry), so core/ never imports transforms/.
 */
import { Compose, OneOf, OneOrOther, SomeOf } from './core/compose.js';
import { TransformOptionError, camelCase, describe } from './core/options.js';
import type { AlbumentationsTransformDict, BaseTransform } from './core/transform.js';
import { TRANSFORM_CLASSES } from './transforms/registry.js';

/** The albumentations version whose format is written. */
export const ALBUMENTATIONS_VERSION = '1.3.1';

/** `{ __version__, transform }` as written by `A.to_dict`. */
export interface AlbumentationsDict {
  __version__: string;
  transform: AlbumentationsTransformDict;
}

/** How to build one registered transform from its albumentations arguments. */
export interface TransformRegistration {
  /** albumentations constructor argument names besides `p` and `always_apply`. */
  albumentationsArgs: readonly string[];
  /** Builds the transform from camelCase options (`maxHoles`, `alwaysApply`, ...). */
  create: (options: Record<string, unknown>) => BaseTransform;
}

const customRegistry = new Map<string, TransformRegistration>();

function lookup(className: string): TransformRegistration | undefined {
  const custom = customRegistry.get(className);
  if (custom) return custom;
  if (!Object.hasOwn(TRANSFORM_CLASSES, className)) return undefined;
  const TransformClass = TRANSFORM_CLASSES[className]!;
  return {
    albumentationsArgs: TransformClass.albumentationsArgs,
    create: (options) => new TransformClass(options as never),
  };
}

/**
 * Registers a transform class under its albumentations class name (used by
 * {@link fromAlbumentationsDict}); it takes precedence over a built-in of the same name.
 * @example
 * registerTransform('MyBlur', { albumentationsArgs: ['radius'], create: (options) => new MyBlur(options) });
 */
export function registerTransform(className: string, registration: TransformRegistration): void {
  if (typeof className !== 'string' || className.length === 0)
    throw new TypeError(`registerTransform: className must be a non-empty string`);
  if (className === 'Compose' || className === 'OneOf' || className === 'OneOrOther' || className === 'SomeOf')
    throw new RangeError(`registerTransform: ${className} is built in`);
  customRegistry.set(className, registration);
}

/**
 * Names of every registered transform (containers excluded), sorted.
 * @example
 * registeredTransforms(); // ['CLAHE', 'CenterCrop', ...]
 */
export function registeredTransforms(): string[] {
  return [...new Set([...Object.keys(TRANSFORM_CLASSES), ...customRegistry.keys()])].sort();
}

/**
 * Builds a transform from its registered name and camelCase options.
 * @example
 * const flip = createTransform('HorizontalFlip', { p: 1 });
 */
export function createTransform(className: string, options: Record<string, unknown> = {}): BaseTransform {
  const registration = lookup(className);
  if (!registration) throw unknownTransform(className);
  return registration.create(options);
}

function unknownTransform(className: string): Error {
  return new RangeError(
    `Unknown transform "${className}"; registered transforms: Compose, OneOf, ${registeredTransforms().join(', ')}`,
  );
}

/**
 * Serializes a transform or pipeline to albumentations' `to_dict` format
 * (`{ "__version__": "1.3.1", "transform": { "__class_fullname__": ..., ... } }`).
 * @example
 * const json = JSON.stringify(toAlbumentationsDict(pipeline));
 */
export function toAlbumentationsDict(transform: BaseTransform): AlbumentationsDict {
  if (typeof (transform as { toDict?: unknown })?.toDict !== 'function') {
    throw new TypeError(`toAlbumentationsDict: expected a transform, got ${describe(transform)}`);
  }
  return { __version__: ALBUMENTATIONS_VERSION, transform: transform.toDict() };
}

const COMPOSE_KEYS = [
  '__class_fullname__',
  'p',
  'transforms',
  'bbox_params',
  'keypoint_params',
  'additional_targets',
  'is_check_shapes',
];
const ONE_OF_KEYS = ['__class_fullname__', 'p', 'transforms'];
const SOME_OF_KEYS = ['__class_fullname__', 'p', 'transforms', 'n', 'replace'];

function shortName(fullName: string): string {
  // Old albumentations versions wrote full module paths.
  const parts = fullName.split('.');
  return parts[parts.length - 1]!;
}

function parseTransform(value: unknown, path: string): BaseTransform {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(
      `fromAlbumentationsDict: ${path} must be an object with "__class_fullname__", got ${describe(value)}`,
    );
  }
  const dict = value as Record<string, unknown>;
  const fullName = dict.__class_fullname__;
  if (typeof fullName !== 'string') throw new TypeError(`fromAlbumentationsDict: ${path} has no "__class_fullname__"`);
  const className = shortName(fullName);
  if (className === 'Compose' || className === 'OneOf' || className === 'OneOrOther' || className === 'SomeOf') {
    const allowed = className === 'Compose' ? COMPOSE_KEYS : className === 'SomeOf' ? SOME_OF_KEYS : ONE_OF_KEYS;
    for (const key of Object.keys(dict)) {
      if (!allowed.includes(key))
        throw new TransformOptionError(
          className,
          key,
          `is not an option (at ${path}); valid options: ${allowed.slice(1).join(', ')}`,
        );
    }
    if (!Array.isArray(dict.transforms))
      throw new TransformOptionError(className, 'transforms', `must be a list (at ${path})`);
    const children = dict.transforms.map((child, index) => parseTransform(child, `${path}.transforms[${index}]`));
    const options = dict.p === undefined ? {} : { p: dict.p as number };
    if (className === 'OneOf') return new OneOf(children, options);
    if (className === 'OneOrOther') return new OneOrOther(children, options);
    if (className === 'SomeOf') {
      try {
        return new SomeOf(children, {
          ...options,
          n: dict.n as number,
          ...(dict.replace === undefined ? {} : { replace: dict.replace as boolean }),
        });
      } catch (error) {
        if (error instanceof Error) error.message = `${error.message} (at ${path})`;
        throw error;
      }
    }
    try {
      return new Compose(children, {
        ...options,
        bboxParams: dict.bbox_params as never,
        keypointParams: dict.keypoint_params as never,
        additionalTargets: dict.additional_targets as never,
        isCheckShapes: dict.is_check_shapes === undefined ? true : Boolean(dict.is_check_shapes),
      });
    } catch (error) {
      if (error instanceof Error) error.message = `${error.message} (at ${path})`;
      throw error;
    }
  }
  const registration = lookup(className);
  if (!registration) throw new RangeError(`${unknownTransform(className).message} (at ${path})`);
  const allowed = new Set(['__class_fullname__', 'p', 'always_apply', ...registration.albumentationsArgs]);
  const options: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(dict)) {
    if (!allowed.has(key)) {
      throw new TransformOptionError(
        className,
        key,
        `is not an option (at ${path}); valid options: ${[...allowed].slice(1).join(', ')}`,
      );
    }
    if (key !== '__class_fullname__') options[camelCase(key)] = entry;
  }
  try {
    return registration.create(options);
  } catch (error) {
    if (error instanceof Error) error.message = `${error.message} (at ${path})`;
    throw error;
  }
}

/**
 * Loads a pipeline saved by albumentations' `A.to_dict` / `A.save(..., data_format='json')`, or
 * by {@link toAlbumentationsDict}. Accepts the object, its JSON text, or a bare transform dict.
 * Unknown class names or options throw an error naming the transform and the option.
 * @example
 * const pipeline = fromAlbumentationsDict(JSON.parse(readFileSync('b3-train.json', 'utf8')));
 * const { image } = pipeline.apply(input, createRng(0));
 */
export function fromAlbumentationsDict(json: AlbumentationsDict | AlbumentationsTransformDict | string): BaseTransform {
  let value: unknown = json;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (error) {
      throw new SyntaxError(`fromAlbumentationsDict: invalid JSON: ${(error as Error).message}`);
    }
  }
  if (typeof value === 'object' && value !== null && 'transform' in value && !('__class_fullname__' in value)) {
    const wrapper = value as Record<string, unknown>;
    if (wrapper.__version__ !== undefined && typeof wrapper.__version__ !== 'string') {
      throw new TypeError(
        `fromAlbumentationsDict: "__version__" must be a string, got ${describe(wrapper.__version__)}`,
      );
    }
    return parseTransform(wrapper.transform, 'transform');
  }
  return parseTransform(value, 'transform');
}
