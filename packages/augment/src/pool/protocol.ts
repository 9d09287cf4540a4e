/** Messages between `AugmentationPool` and its workers (structured-clone friendly). */
import type { DecodeImageOptions } from '../io/sharp.js';

/** Layouts of a tensor output. */
export type TensorLayout = 'CHW' | 'HWC';
/** What a pool returns per sample: the augmented RawImage or a float32 tensor buffer. */
export type PoolOutputKind = 'image' | 'tensor';

/** Given to each worker through `workerData`. */
export interface WorkerSetup {
  /** albumentations `to_dict` JSON of the pipeline. */
  pipeline: unknown;
  /** Base seed; sample i uses `deriveSampleSeed(seed, i)`. */
  seed: number;
  output: PoolOutputKind;
  layout: TensorLayout;
  decode: DecodeImageOptions;
  returnParams: boolean;
}

/** A sample's input as it travels to a worker. */
export type WireInput =
  | {
      kind: 'raw';
      data: Uint8Array | Float32Array;
      width: number;
      height: number;
      channels: number;
      layout?: 'HWC' | 'CHW';
    }
  | { kind: 'path'; path: string }
  | { kind: 'bytes'; bytes: Uint8Array };

export interface TaskMessage {
  type: 'task';
  id: number;
  index: number;
  input: WireInput;
}

export interface ResultMessage {
  type: 'result';
  id: number;
  data: Uint8Array | Float32Array;
  width: number;
  height: number;
  channels: number;
  /** Present when the pipeline ends with ToTensorV2 (planar output). */
  layout?: 'HWC' | 'CHW';
  params?: unknown;
}

export interface TaskErrorMessage {
  type: 'error';
  id: number;
  name: string;
  message: string;
  stack?: string;
}

export type WorkerToPool =
  | ResultMessage
  | TaskErrorMessage
  | { type: 'ready' }
  | { type: 'setup-error'; message: string };
