import {
  Compose,
  CoarseDropout,
  HorizontalFlip,
  MotionBlur,
  Normalize,
  OneOf,
  RandomCrop,
  Resize,
  ToTensorV2,
  createRng,
  fromAlbumentationsDict,
  toAlbumentationsDict,
  type RawImage,
} from '@art/augment';

export function quickStart(image: RawImage): Float32Array {
  // The seed's B3 train recipe, built in TypeScript (albumentations names and defaults).
  const pipeline = new Compose([
    new Resize({ height: 600, width: 600 }),
    new RandomCrop({ height: 300, width: 300 }),
    new CoarseDropout({ maxHoles: 4, maxHeight: 64, maxWidth: 64, minHoles: 4, minHeight: 64, minWidth: 64 }),
    new OneOf([new MotionBlur({ p: 1 })], { p: 0.3 }),
    new HorizontalFlip({ p: 0.5 }),
    new Normalize(),
    new ToTensorV2(),
  ]);

  // Sample, then apply: every random number comes from this seeded generator.
  const { image: tensor, params } = pipeline.apply(image, createRng(42));
  console.log(tensor.layout, tensor.channels, tensor.height, tensor.width); // CHW 3 300 300

  // albumentations' own JSON, both ways; `params` replays the exact same pixels.
  const json = JSON.stringify(toAlbumentationsDict(pipeline));
  const again = fromAlbumentationsDict(json).replay(image, params).image;
  console.log(again.data.every((value, index) => value === tensor.data[index])); // true

  return tensor.data as Float32Array;
}
