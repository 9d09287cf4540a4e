import { readFile } from 'node:fs/promises';
import { UnknownLabelError } from '../errors.js';
import { writeFileAtomic } from '../io.js';

/** Saved form of a {@link LabelEncoder}. */
export interface LabelEncoderJson {
  format: 'art-label-encoder';
  version: 1;
  classes: string[];
}

/**
 * Maps class names to indices with a stable order: `fit` sorts the unique labels (as
 * sklearn's LabelEncoder does), and the order is saved to JSON so that a model trained
 * today decodes the same way tomorrow.
 *
 * @example
 * const encoder = LabelEncoder.fit(['Monet', 'Goya', 'Monet']); // classes ['Goya', 'Monet']
 * encoder.encode('Monet'); // 1
 * await encoder.save('runs/labels.json');
 */
export class LabelEncoder {
  readonly classes: readonly string[];
  private readonly index: Map<string, number>;

  /** @param classes class names in index order; must be unique */
  constructor(classes: readonly string[]) {
    const index = new Map<string, number>();
    classes.forEach((name, i) => {
      if (typeof name !== 'string')
        throw new TypeError(`LabelEncoder: class ${i} must be a string, got ${typeof name}`);
      if (index.has(name)) throw new Error(`LabelEncoder: duplicate class ${JSON.stringify(name)}`);
      index.set(name, i);
    });
    this.classes = Object.freeze([...classes]);
    this.index = index;
  }

  /** Builds an encoder from the sorted unique labels (code-point order, locale independent). */
  static fit(labels: Iterable<string>): LabelEncoder {
    const unique = [...new Set(labels)];
    unique.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return new LabelEncoder(unique);
  }

  get numClasses(): number {
    return this.classes.length;
  }

  /** True if the label is known. */
  has(label: string): boolean {
    return this.index.has(label);
  }

  /**
   * Label(s) → index(es).
   * @throws {UnknownLabelError} for a label outside `classes`
   */
  encode(label: string): number;
  encode(labels: readonly string[]): Int32Array;
  encode(labelOrLabels: string | readonly string[]): number | Int32Array {
    if (typeof labelOrLabels === 'string') return this.encodeOne(labelOrLabels);
    const out = new Int32Array(labelOrLabels.length);
    labelOrLabels.forEach((label, i) => {
      out[i] = this.encodeOne(label);
    });
    return out;
  }

  /** Index(es) → label(s). @throws {RangeError} for an index outside [0, numClasses) */
  decode(index: number): string;
  decode(indices: ArrayLike<number>): string[];
  decode(indexOrIndices: number | ArrayLike<number>): string | string[] {
    if (typeof indexOrIndices === 'number') return this.decodeOne(indexOrIndices);
    return Array.from(indexOrIndices, (i) => this.decodeOne(i));
  }

  toJSON(): LabelEncoderJson {
    return { format: 'art-label-encoder', version: 1, classes: [...this.classes] };
  }

  /** Restores an encoder from {@link LabelEncoder.toJSON} output (or a plain `string[]`). */
  static fromJSON(json: LabelEncoderJson | string[]): LabelEncoder {
    if (Array.isArray(json)) return new LabelEncoder(json);
    if (json === null || typeof json !== 'object' || !Array.isArray(json.classes)) {
      throw new TypeError('LabelEncoder.fromJSON: expected { classes: string[] } or string[]');
    }
    return new LabelEncoder(json.classes);
  }

  /** Writes the class order to `file` as JSON (atomically). */
  async save(file: string): Promise<void> {
    await writeFileAtomic(file, `${JSON.stringify(this.toJSON(), null, 2)}\n`);
  }

  /** Reads an encoder written by {@link LabelEncoder.save}. */
  static async load(file: string): Promise<LabelEncoder> {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new Error(`Cannot read label encoder ${JSON.stringify(file)}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return LabelEncoder.fromJSON(json as LabelEncoderJson);
  }

  private encodeOne(label: string): number {
    const i = this.index.get(label);
    if (i === undefined) throw new UnknownLabelError(label, this.classes);
    return i;
  }

  private decodeOne(index: number): string {
    if (!Number.isInteger(index) || index < 0 || index >= this.classes.length) {
      throw new RangeError(`LabelEncoder.decode: index ${index} outside [0, ${this.classes.length})`);
    }
    return this.classes[index]!;
  }
}
