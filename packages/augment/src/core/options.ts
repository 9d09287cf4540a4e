/** Option validation shared by every transform; errors name the transform and the option. */

export type Range = [number, number];

/** Options every transform accepts (albumentations' `always_apply` and `p`). */
export interface TransformOptions {
  /** Run even when the `p` draw fails. Default false (ToTensorV2: true). */
  alwaysApply?: boolean;
  /** Probability of running. Defaults follow albumentations per transform. */
  p?: number;
}

/**
 * Error for a bad constructor option or dict key: names the transform and the option.
 * @example
 * try { new Resize({ height: -1, width: 2 }); } catch (error) { (error as TransformOptionError).optionName; } // 'height'
 */
export class TransformOptionError extends RangeError {
  constructor(
    readonly transformName: string,
    readonly optionName: string,
    message: string,
  ) {
    const snake = optionName.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
    super(`${transformName}: option "${optionName}"${snake !== optionName ? ` (${snake})` : ''} ${message}`);
    this.name = 'TransformOptionError';
  }
}

/** JSON-ish rendering of a value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Typed, validating access to a transform's options; every failure throws a
 * {@link TransformOptionError} naming the transform and the option.
 * @example
 * const reader = new OptionReader('MyBlur', { radius: 3 });
 * reader.integer('radius', 1, { min: 1 }); // 3
 */
export class OptionReader {
  constructor(
    readonly transformName: string,
    private readonly options: Record<string, unknown>,
  ) {}

  has(name: string): boolean {
    return this.options[name] !== undefined;
  }

  raw(name: string): unknown {
    return this.options[name];
  }

  fail(name: string, message: string): never {
    throw new TransformOptionError(this.transformName, name, message);
  }

  number(name: string, fallback: number, check?: { min?: number; max?: number; minExclusive?: boolean }): number {
    const value = this.options[name] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value))
      this.fail(name, `must be a finite number, got ${describe(value)}`);
    if (check?.min !== undefined && (check.minExclusive ? value <= check.min : value < check.min)) {
      this.fail(name, `must be ${check.minExclusive ? '>' : '>='} ${check.min}, got ${value}`);
    }
    if (check?.max !== undefined && value > check.max) this.fail(name, `must be <= ${check.max}, got ${value}`);
    return value;
  }

  integer(name: string, fallback: number | undefined, check?: { min?: number; max?: number }): number {
    const value = this.options[name] ?? fallback;
    if (value === undefined) this.fail(name, 'is required');
    if (typeof value !== 'number' || !Number.isInteger(value))
      this.fail(name, `must be an integer, got ${describe(value)}`);
    if (check?.min !== undefined && value < check.min) this.fail(name, `must be >= ${check.min}, got ${value}`);
    if (check?.max !== undefined && value > check.max) this.fail(name, `must be <= ${check.max}, got ${value}`);
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.options[name] ?? fallback;
    if (typeof value !== 'boolean') this.fail(name, `must be true or false, got ${describe(value)}`);
    return value;
  }

  probability(name = 'p', fallback = 0.5): number {
    return this.number(name, fallback, { min: 0, max: 1 });
  }

  /**
   * albumentations' `to_tuple(param, low, bias)`: a scalar `v` gives `(-v, v)` (or
   * `(min(low, v), max(low, v))` when `low` is given); a pair is kept (sorted check); `bias` is
   * added to both ends.
   */
  range(name: string, fallback: number | Range, toTuple: { low?: number; bias?: number } = {}): Range {
    const value = this.options[name] ?? fallback;
    let range: Range;
    if (typeof value === 'number' && Number.isFinite(value)) {
      if (toTuple.low !== undefined) range = [Math.min(toTuple.low, value), Math.max(toTuple.low, value)];
      else {
        if (value < 0) this.fail(name, `as a single number must be >= 0, got ${value}`);
        range = [-value, value];
      }
    } else if (
      Array.isArray(value) &&
      value.length === 2 &&
      value.every((entry) => typeof entry === 'number' && Number.isFinite(entry))
    ) {
      range = [value[0] as number, value[1] as number];
    } else {
      this.fail(name, `must be a number or a [min, max] pair, got ${describe(value)}`);
    }
    if (toTuple.bias !== undefined) range = [range[0] + toTuple.bias, range[1] + toTuple.bias];
    if (range[0] > range[1]) this.fail(name, `must have min <= max, got ${describe(range)}`);
    return range;
  }

  oneOf<T extends string | number>(name: string, fallback: T, choices: readonly T[], labels?: readonly string[]): T {
    const value = (this.options[name] ?? fallback) as T;
    if (!choices.includes(value)) {
      const listed = choices.map((choice, index) => (labels ? `${choice} (${labels[index]})` : describe(choice)));
      this.fail(name, `must be one of ${listed.join(', ')}; got ${describe(value)}`);
    }
    return value;
  }

  /** A border fill value: null, a number or one number per channel. */
  fillValue(name: string): number | number[] | null {
    const value = this.options[name];
    if (value === undefined || value === null) return null;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (Array.isArray(value) && value.every((entry) => typeof entry === 'number' && Number.isFinite(entry))) {
      return value.slice() as number[];
    }
    return this.fail(name, `must be null, a number or a list of numbers, got ${describe(value)}`);
  }
}

/**
 * snake_case → camelCase.
 * @example
 * camelCase('max_holes'); // 'maxHoles'
 */
export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * camelCase → snake_case.
 * @example
 * snakeCase('maxHoles'); // 'max_holes'
 */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * Reads constructor options, rejecting unknown ones with an error that names the transform.
 * `allowed` lists the camelCase option names besides `p` and `alwaysApply`.
 * @example
 * const reader = readOptions('MyBlur', options, ['radius']);
 * const radius = reader.integer('radius', 3, { min: 1 });
 */
export function readOptions(
  transformName: string,
  options: object | undefined,
  allowed: readonly string[],
): OptionReader {
  const record = (options ?? {}) as Record<string, unknown>;
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new TypeError(`${transformName}: options must be an object, got ${String(options)}`);
  }
  const known = new Set([...allowed, 'p', 'alwaysApply']);
  for (const key of Object.keys(record)) {
    if (!known.has(key)) {
      const valid = [...known].map((name) => `${name} (${snakeCase(name)})`).join(', ');
      throw new TransformOptionError(transformName, key, `is not an option; valid options: ${valid}`);
    }
  }
  return new OptionReader(transformName, record);
}
