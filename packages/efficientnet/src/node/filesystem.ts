import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../../../../internal/durable-fs.js';

const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';

/**
 * Writes a file atomically and durably: a temp sibling, fsync, rename, fsync of the directory
 * (readers never see half a file; a failed write removes its temp file). The one implementation
 * shared by the @art packages (internal/durable-fs.ts, bundled in).
 * @example
 * await writeFileAtomic('weights/b0.safetensors', bytes);
 */
export { writeFileAtomic };

function concatWeightData(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const buffers = Array.isArray(data) ? data : [data];
  const total = buffers.reduce((sum, buffer) => sum + buffer.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const buffer of buffers) {
    out.set(new Uint8Array(buffer), offset);
    offset += buffer.byteLength;
  }
  return out;
}

/**
 * A `tf.io.IOHandler` that saves to / loads from a directory on the Node filesystem
 * (`model.json` + `weights.bin`, the layout of TF.js's `file://` handler), with atomic writes.
 * Pure `@tensorflow/tfjs` has no `file://` handler without tfjs-node; this fills that gap.
 *
 * @param directory target folder; created on save.
 * @example
 * await net.model.save(fileSystemHandler('./checkpoints/b0'));
 * const model = await tf.loadLayersModel(fileSystemHandler('./checkpoints/b0'));
 */
export function fileSystemHandler(directory: string): tf.io.IOHandler {
  if (typeof directory !== 'string' || directory.length === 0)
    throw new TypeError(`directory must be a non-empty path string; got ${String(directory)}`);
  const root = resolve(directory.replace(/^file:\/\//, ''));
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer)
        throw new TypeError('fileSystemHandler: binary model topologies are not supported; save a LayersModel');
      const weights = concatWeightData(artifacts.weightData as ArrayBuffer | ArrayBuffer[] | undefined);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs ?? [] }],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
      };
      if (artifacts.trainingConfig != null) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata != null) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      // Weights first: model.json only appears once the weights it points to are complete.
      await writeFileAtomic(join(root, WEIGHTS_FILE), weights);
      await writeFileAtomic(join(root, MODEL_FILE), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const modelPath = join(root, MODEL_FILE);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(await readFile(modelPath, 'utf8')) as tf.io.ModelJSON;
      } catch (error) {
        throw new Error(`fileSystemHandler: cannot read ${modelPath}: ${(error as Error).message}`);
      }
      if (modelJson.modelTopology == null) throw new Error(`fileSystemHandler: ${modelPath} has no modelTopology`);
      const weightSpecs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of modelJson.weightsManifest ?? []) {
        weightSpecs.push(...group.weights);
        for (const path of group.paths) {
          const weightPath = resolve(root, path);
          try {
            buffers.push(new Uint8Array(await readFile(weightPath)));
          } catch (error) {
            throw new Error(`fileSystemHandler: cannot read weights ${weightPath}: ${(error as Error).message}`);
          }
        }
      }
      const total = buffers.reduce((sum, b) => sum + b.byteLength, 0);
      const expected = weightSpecs.reduce(
        (sum, spec) =>
          sum +
          spec.shape.reduce((a, b) => a * b, 1) *
            (spec.dtype === 'float32' || spec.dtype === 'int32' ? 4 : spec.dtype === 'bool' ? 1 : 4),
        0,
      );
      if (weightSpecs.every((spec) => spec.quantization == null) && total !== expected) {
        throw new Error(`fileSystemHandler: ${root} weights hold ${total} bytes but model.json describes ${expected}`);
      }
      const weightData = concatWeightData(
        buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer),
      ).buffer as ArrayBuffer;
      const artifacts: tf.io.ModelArtifacts = {
        modelTopology: modelJson.modelTopology,
        weightSpecs,
        weightData,
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy,
      };
      if (modelJson.trainingConfig != null) artifacts.trainingConfig = modelJson.trainingConfig;
      if (modelJson.userDefinedMetadata != null) artifacts.userDefinedMetadata = modelJson.userDefinedMetadata;
      return artifacts;
    },
  };
}
