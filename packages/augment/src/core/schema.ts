/**
 * One declarative schema per transform, as albumentations 1.4's `InitSchema`: each option's name,
 * type, default, validation and albumentations spelling are declared once, and the reader (with
 * its one-line errors), the snake_case names (`albumentationsArgs`), `to_dict` and the TypeScript
 * options type all follow from that declaration.
 *
 * How a transform declares its options (the base class reads them into the `declare`d fields):
 * ```ts
 * export class Resize extends ImageOnlyTransform<Empty> {
 *   static readonly schema = defineOptions({ p: 1 }, {
 *     height: int({ min: 1 }), // no default: required
 *     width: int({ min: 1 }),
 *     // OpenCV interpolation flag. Default 1 (INTER_LINEAR).
 *     interpolation: interpolation(),
 *   });
 *   readonly className = 'Resize';
 *   declare readonly height: number;
 *   declare readonly width: number;
 *   declare readonly interpolation: InterpolationValue;
 *
 *   constructor(options: ResizeOptions) {
 *     super(Resize.schema.read('Resize', options));
 *   }
 * }
 * export type ResizeOptions = OptionsOf<typeof Resize.schema>;
 * ```
 * Options are listed in albumentations' argument order: that order is `albumentationsArgs` and the
 * key order of `to_dict`. A default may depend on another option (`int({ default: (get) => ... })`)
 * and `check` adds a condition with its message; `defineOptions`' own `check` relates several.
 */
import { type OptionReader, readOptions, snakeCase, type Range, type TransformOptions } from './options.js';

/** Reads another option of the same schema (validated, defaults applied). */
export type OptionGetter = (name: string) => unknown;

/** A default: a value, or a function of the other options. */
export type Fallback<T> = T | ((get: OptionGetter) => T);

/** What `toDict` returns to leave an option out of `to_dict` (albumentations does not write it). */
export const OMIT: unique symbol = Symbol('omit from to_dict');

/**
 * One option: how to read and validate it, and how `to_dict` writes it. `Input` (what users pass)
 * and `Required` only shape the TypeScript options type.
 */
export interface OptionSpec<Value, Input = Value, Required extends boolean = false> {
  readonly read: (reader: OptionReader, name: string, get: OptionGetter) => Value;
  /** The value as `to_dict` writes it ({@link OMIT} leaves the key out). Default: the value. */
  readonly toDict?: (value: Value, transform: object) => unknown;
  /** Types only (never set): what users pass, and whether they must. */
  readonly input?: Input;
  readonly required?: Required;
}

/** What every option helper also accepts. */
export interface OptionExtras<Value> {
  /** A further condition: returns the error message (after `option "name" `) or undefined. */
  check?: (value: Value, get: OptionGetter) => string | undefined;
  toDict?: (value: Value, transform: object) => unknown;
}

// A spec of any value and input type (`any`: OptionSpec is contravariant in Value through toDict).
// biome-ignore lint/suspicious/noExplicitAny: no other type admits every spec (see above)
type AnySpec = OptionSpec<any, any, boolean>;
type Specs = Record<string, AnySpec>;

/** The validated values a schema gives (the transform's fields). */
export type ValuesOf<S extends Specs> = {
  -readonly [K in keyof S]: S[K] extends OptionSpec<infer V, infer _I, infer _R> ? V : never;
};
type InputOf<T> = T extends OptionSpec<infer _V, infer I, infer _R> ? I : never;
type RequiredKeys<S extends Specs> = {
  [K in keyof S]: S[K] extends OptionSpec<infer _V, infer _I, true> ? K : never;
}[keyof S];

/**
 * The constructor options type of a schema: required options, optional ones, `p` and `alwaysApply`.
 * @example
 * export type ResizeOptions = OptionsOf<typeof Resize.schema>;
 */
export type OptionsOf<Schema> =
  Schema extends OptionSchema<infer S>
    ? TransformOptions & { [K in keyof S as K extends RequiredKeys<S> ? never : K]?: InputOf<S[K]> } & {
        [K in RequiredKeys<S>]: InputOf<S[K]>;
      }
    : never;

/** A transform's options read by {@link OptionSchema.read}: what the base class constructor takes. */
export class ReadOptions<Values extends object = Record<string, unknown>> {
  constructor(
    readonly p: number,
    readonly alwaysApply: boolean,
    readonly values: Values,
  ) {}
}

/** The options of one transform class, declared once (see the module comment). */
export class OptionSchema<S extends Specs = Specs> {
  /** albumentations' argument names, in order (`get_transform_init_args_names` plus aliases). */
  readonly albumentationsArgs: readonly string[];
  private readonly names: readonly string[];

  constructor(
    readonly defaults: { p: number; alwaysApply?: boolean },
    readonly specs: S,
    private readonly check?: (values: ValuesOf<S>, fail: (name: string, message: string) => never) => void,
  ) {
    this.names = Object.keys(specs);
    this.albumentationsArgs = this.names.map(snakeCase);
  }

  /**
   * Validates constructor options (camelCase) against the schema: unknown names, `p` and
   * `alwaysApply` first, then every option in order; each failure throws a one-line
   * `TransformOptionError` naming the transform and the option.
   * @example
   * super(Resize.schema.read('Resize', options));
   */
  read(transformName: string, options: object | undefined): ReadOptions<ValuesOf<S>> {
    const reader = readOptions(transformName, options, this.names);
    const p = reader.probability('p', this.defaults.p);
    const alwaysApply = reader.boolean('alwaysApply', this.defaults.alwaysApply ?? false);
    const values: Record<string, unknown> = {};
    const reading = new Set<string>();
    const get: OptionGetter = (name) => {
      if (name in values) return values[name];
      const spec = Object.hasOwn(this.specs, name) ? this.specs[name] : undefined;
      if (!spec || reading.has(name)) throw new Error(`${transformName}: the option schema cannot read "${name}" here`);
      reading.add(name);
      values[name] = spec.read(reader, name, get);
      return values[name];
    };
    for (const name of this.names) get(name);
    this.check?.(values as ValuesOf<S>, (name, message) => reader.fail(name, message));
    return new ReadOptions(p, alwaysApply, values as ValuesOf<S>);
  }

  /** The options in albumentations' `to_dict` form, read from the transform's fields. */
  toDict(transform: object): Record<string, unknown> {
    const dict: Record<string, unknown> = {};
    this.names.forEach((name, index) => {
      const value = (transform as Record<string, unknown>)[name];
      const spec = this.specs[name]!;
      const written = spec.toDict ? spec.toDict(value, transform) : value;
      if (written !== OMIT) dict[this.albumentationsArgs[index]!] = written;
    });
    return dict;
  }
}

/**
 * Declares a transform's options: its `p` / `always_apply` defaults, then one entry per option in
 * albumentations' order, and optionally a `check` across options.
 * @example
 * static readonly schema = defineOptions({ p: 0.5 }, { limit: range(90), interpolation: interpolation() });
 */
export function defineOptions<S extends Specs>(
  defaults: { p: number; alwaysApply?: boolean },
  specs: S,
  check?: (values: ValuesOf<S>, fail: (name: string, message: string) => never) => void,
): OptionSchema<S> {
  return new OptionSchema(defaults, specs, check);
}

function fallbackOf<T>(fallback: Fallback<T>, get: OptionGetter): T {
  return typeof fallback === 'function' ? (fallback as (get: OptionGetter) => T)(get) : fallback;
}

/**
 * Any option, read by `read` (for shapes the helpers below do not cover).
 * @example
 * tileGridSize: option((reader, name) => reader.raw(name) ?? [8, 8]),
 */
export function option<Value, Input = Value>(
  read: (reader: OptionReader, name: string, get: OptionGetter) => Value,
  extras: OptionExtras<Value> = {},
): OptionSpec<Value, Input, false> {
  const { check, toDict } = extras;
  return {
    read: check
      ? (reader, name, get) => {
          const value = read(reader, name, get);
          const message = check(value, get);
          return message === undefined ? value : reader.fail(name, message);
        }
      : read,
    ...(toDict ? { toDict } : {}),
  };
}

interface Bounds {
  /** Lowest allowed value, or a function of the other options. */
  min?: number | ((get: OptionGetter) => number);
  max?: number;
}

/**
 * An integer option: `int({ min: 1 })` is required; `int({ default: 8, min: 1 })` is not;
 * `default: null` keeps a missing or null value as null.
 * @example
 * height: int({ min: 1 }),
 */
export function int(options: Bounds & OptionExtras<number>): OptionSpec<number, number, true>;
export function int(
  options: Bounds & OptionExtras<number> & { default: Fallback<number> },
): OptionSpec<number, number, false>;
export function int(
  options: Bounds & OptionExtras<number | null> & { default: null },
): OptionSpec<number | null, number | null, false>;
export function int(options: Bounds & OptionExtras<never> & { default?: Fallback<number> | null }): AnySpec {
  return option(
    (reader, name, get) => {
      if (options.default === null && reader.raw(name) == null) return null;
      const fallback = options.default == null ? undefined : fallbackOf(options.default, get);
      const min = typeof options.min === 'function' ? options.min(get) : options.min;
      return reader.integer(name, fallback, { min, max: options.max });
    },
    options as OptionExtras<unknown>,
  );
}

/**
 * A finite number; `exclusive` makes `min` a strict bound; `default: null` keeps null.
 * @example
 * maxPixelValue: number({ default: 255, min: 0, exclusive: true }),
 */
export function number(
  options: OptionExtras<number> & { default: Fallback<number>; min?: number; max?: number; exclusive?: boolean },
): OptionSpec<number>;
export function number(
  options: OptionExtras<number | null> & { default: null; min?: number; max?: number; exclusive?: boolean },
): OptionSpec<number | null>;
export function number(
  options: OptionExtras<never> & { default: Fallback<number> | null; min?: number; max?: number; exclusive?: boolean },
): AnySpec {
  return option(
    (reader, name, get) => {
      if (options.default === null && reader.raw(name) == null) return null;
      return reader.number(name, fallbackOf(options.default!, get), {
        min: options.min,
        max: options.max,
        minExclusive: options.exclusive,
      });
    },
    options as OptionExtras<unknown>,
  );
}

/**
 * true or false.
 * @example
 * cropBorder: bool(false),
 */
export function bool(fallback: boolean, extras: OptionExtras<boolean> = {}): OptionSpec<boolean> {
  return option((reader, name) => reader.boolean(name, fallback), extras);
}

/**
 * A `[min, max]` range given as a pair or a number (albumentations' `to_tuple(param, low, bias)`:
 * `v` means `[-v, v]`, or `[min(low, v), max(low, v)]` with `low`). `bias` is added when read and
 * taken off again in `to_dict`, as albumentations stores it. `nullable` lets null stand for the default.
 * @example
 * scaleLimit: range(0.1, { bias: 1 }),
 */
export function range<Nullable extends boolean = false>(
  fallback: Fallback<number | Range>,
  options: OptionExtras<Range> & { low?: number; bias?: number; nullable?: Nullable } = {},
): OptionSpec<Range, Nullable extends true ? number | Range | null : number | Range> {
  const { low, bias } = options;
  return option((reader, name, get) => reader.range(name, fallbackOf(fallback, get), { low, bias }), {
    check: options.check,
    toDict: options.toDict ?? (bias === undefined ? undefined : (value: Range) => [value[0] - bias, value[1] - bias]),
  });
}

/**
 * One of a list of values, `labels` naming them in the error.
 * @example
 * position: enumOf(PAD_POSITIONS, 'center'),
 */
export function enumOf<T extends string | number>(
  choices: readonly T[],
  fallback: T,
  labels?: readonly string[],
  extras: OptionExtras<T> = {},
): OptionSpec<T> {
  return option((reader, name) => reader.oneOf(name, fallback, choices, labels), extras);
}

/**
 * A border fill: null (default), a number or one number per channel.
 * @example
 * maskValue: fillValue(),
 */
export function fillValue(extras: OptionExtras<number | number[] | null> = {}): OptionSpec<number | number[] | null> {
  return option((reader, name) => reader.fillValue(name), extras);
}
