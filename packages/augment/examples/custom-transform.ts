import {
  SchemaTransform,
  defineOptions,
  int,
  registerTransform,
  type ImageShape,
  type OptionsOf,
  type RawImage,
  type Rng,
} from '@art/augment';

export class Invert extends SchemaTransform<{ threshold: number }> {
  static readonly schema = defineOptions(
    { p: 0.5 },
    {
      /** Lowest threshold drawn. Default 0. */
      minThreshold: int({ default: 0, min: 0, max: 255 }),
    },
  );
  readonly className = 'Invert';
  declare readonly minThreshold: number;
  constructor(options: OptionsOf<typeof Invert.schema> = {}) {
    super(Invert.schema.read('Invert', options));
  }
  protected getParams(_shape: ImageShape, rng: Rng) {
    return { threshold: rng.randint(this.minThreshold, 255) };
  }
  applyWithParams(image: RawImage, params: { threshold: number }): RawImage {
    const data = (image.data as Uint8Array).map((value) => (value >= params.threshold ? 255 - value : value));
    return { ...image, data };
  }
}
registerTransform('Invert', {
  albumentationsArgs: Invert.albumentationsArgs,
  create: (options) => new Invert(options),
});
