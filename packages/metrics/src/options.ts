/**
 * Option objects and warnings at the public boundary. Every function names the options it
 * takes; an unknown key is an error (a silently ignored `sampleWeight` once gave wrong F1
 * scores), and scikit-learn's snake_case spellings are accepted as aliases of the camelCase
 * names, so code ported from Python keeps working.
 */

import { describeValue, listChoices } from './validate.js';

/** scikit-learn's warning categories that @art/metrics raises. */
export type MetricWarningCategory = 'UndefinedMetricWarning' | 'UserWarning';

/**
 * A warning where scikit-learn would call `warnings.warn`: the result is still returned
 * (e.g. a 0/0 precision set to 0), but it may not mean what the caller thinks.
 */
export interface MetricWarning {
  /** scikit-learn's category: `'UndefinedMetricWarning'` for ill-defined values, else `'UserWarning'`. */
  category: MetricWarningCategory;
  /** scikit-learn's message, prefixed with the function name. */
  message: string;
}

/** Options every metric takes for its warnings. */
export interface WarningOptions {
  /**
   * Called with each warning. Default: each distinct message once per process (as Python's
   * default warning filter shows it once), through `process.emitWarning(message, category)`
   * where `process` exists (Node prints it to stderr), else `console.warn`. Pass `() => {}` to
   * silence warnings, or collect them in an array.
   */
  onWarning?: (warning: MetricWarning) => void;
}

/** Messages the default handler has shown already. */
const shownWarnings = new Set<string>();

/** Hands a warning to `onWarning`, or (once per distinct message) to Node's warning channel / the console. */
export function emitWarning(
  onWarning: ((warning: MetricWarning) => void) | undefined,
  category: MetricWarningCategory,
  message: string,
): void {
  if (onWarning !== undefined) {
    onWarning({ category, message });
    return;
  }
  if (shownWarnings.has(message)) return;
  shownWarnings.add(message);
  const nodeProcess = (globalThis as { process?: { emitWarning?: (message: string, type: string) => void } }).process;
  if (typeof nodeProcess?.emitWarning === 'function') nodeProcess.emitWarning(message, category);
  else console.warn(`${category}: ${message}`);
}

function camelCase(key: string): string {
  return key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * Checks an options object against the keys a function takes and returns a copy with
 * camelCase keys. snake_case spellings (`sample_weight`) are aliases; giving both spellings,
 * or any other key, throws a TypeError listing the valid keys.
 */
export function readOptions<T extends object>(fn: string, options: unknown, validKeys: readonly string[]): Partial<T> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${fn}: options must be an object, got ${describeValue(options)}`);
  }
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    const name = camelCase(key);
    if (!validKeys.includes(name)) {
      throw new TypeError(
        `${fn}: unknown option ${JSON.stringify(key)}; valid options are ${listChoices([...new Set(validKeys)].sort())}`,
      );
    }
    if (name in result) {
      throw new TypeError(`${fn}: option ${JSON.stringify(name)} is given twice (camelCase and snake_case); pass one`);
    }
    if (value !== undefined) result[name] = value;
  }
  return result as Partial<T>;
}

/** Checks `onWarning`: a function or undefined. */
export function checkOnWarning(fn: string, onWarning: unknown): ((warning: MetricWarning) => void) | undefined {
  if (onWarning === undefined || typeof onWarning === 'function') {
    return onWarning as ((warning: MetricWarning) => void) | undefined;
  }
  throw new TypeError(`${fn}: onWarning must be a function, got ${describeValue(onWarning)}`);
}
