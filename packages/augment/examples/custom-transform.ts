import { ImageOnlyTransform, readOptions, registerTransform, type ImageShape, type RawImage, type Rng } from '@art/augment';

export class Invert extends ImageOnlyTransform<{ threshold: number }> {
  readonly className = 'Invert';
  constructor(options: { p?: number; alwaysApply?: boolean } = {}) {
    super({ p: 0.5 }, readOptions('Invert', options, []));
  }
  protected getParams(_shape: ImageShape, rng: Rng) {
    return { threshold: rng.randint(0, 255) };
  }
  applyWithParams(image: RawImage, params: { threshold: number }): RawImage {
    const data = (image.data as Uint8Array).map((value) => (value >= params.threshold ? 255 - value : value));
    return { ...image, data };
  }
  protected initArgs() {
    return {};
  }
}
registerTransform('Invert', { albumentationsArgs: [], create: (options) => new Invert(options) });
