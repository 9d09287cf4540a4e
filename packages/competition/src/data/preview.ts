import { join } from 'node:path';
import { previewGrid } from '@art/augment/io';
import { writeFileAtomic } from '../io.js';
import { pipelineJson, type PipelineSource } from './loader.js';

/**
 * Writes `augmentation-preview.png` into `outDir`: each image in a row, its original first,
 * then `variants` augmented versions (seeded), as the seed's notebook showed train images
 * before/after the transforms.
 *
 * @param options `{ images: { imagePath, label? }[], transform, variants = 4, seed = 0, cellSize = 160, file = 'augmentation-preview.png' }`
 * @returns the PNG path
 * @example
 * await writeAugmentationPreview('runs/b3', { images: data.train.slice(0, 4), transform: seedTrainTransform('b3', 64) });
 */
export async function writeAugmentationPreview(
  outDir: string,
  options: {
    images: readonly { imagePath: string; label?: string; artist?: string }[];
    transform: PipelineSource;
    variants?: number;
    seed?: number;
    cellSize?: number;
    file?: string;
  },
): Promise<string> {
  const { images, transform, variants = 4, seed = 0, cellSize = 160, file = 'augmentation-preview.png' } = options;
  const png = await previewGrid({
    images: images.map((item) => ({ image: item.imagePath, label: item.label ?? item.artist ?? item.imagePath })),
    pipeline: pipelineJson(transform),
    variants,
    seed,
    cellSize,
  });
  const path = join(outDir, file);
  await writeFileAtomic(path, png);
  return path;
}
