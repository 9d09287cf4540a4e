/**
 * The float32 paths of albumentations 1.3.1's torchvision-style colour functions
 * (`adjust_brightness_torchvision` ... `adjust_hue_torchvision`), which `ColorJitter` runs on
 * float32 images: NumPy float32 arithmetic under NumPy 1.24's casting rules (a Python float
 * operand becomes float32), results clipped to [0, 1].
 */
import { allocateLike, type RawImage } from '../core/raw-image.js';
import { hsvToRgb, rgbToGray, rgbToHsv } from '../cv/color.js';
import { fma } from '../cv/saturate.js';
import { numpySumFloat32 } from './numpy-sum.js';

const fround = Math.fround;

function clip01(values: Float32Array): void {
  for (let i = 0; i < values.length; i++) values[i] = Math.min(1, Math.max(0, values[i]!));
}

/** `clip(img * factor, 0, 1)`. */
export function adjustBrightnessFloat(image: RawImage, factor: number): RawImage {
  const dst = allocateLike(image, image.width, image.height);
  const out = dst.data as Float32Array;
  const src = image.data as Float32Array;
  const f = fround(factor);
  for (let i = 0; i < src.length; i++) out[i] = fround(src[i]! * f);
  clip01(out);
  return dst;
}

/** `clip(img * factor + mean * (1 - factor), 0, 1)` with the float32 mean of the gray image. */
export function adjustContrastFloat(image: RawImage, factor: number): RawImage {
  const gray = image.channels === 1 ? image : rgbToGray(image);
  const mean = fround(numpySumFloat32(gray.data as Float32Array) / gray.data.length);
  const dst = allocateLike(image, image.width, image.height);
  const out = dst.data as Float32Array;
  if (factor === 0) {
    out.fill(mean);
    return dst;
  }
  const src = image.data as Float32Array;
  const f = fround(factor);
  // np.float32 mean * Python float is a float64 scalar, cast to float32 to add to the array.
  const shift = fround(mean * (1 - factor));
  for (let i = 0; i < src.length; i++) out[i] = fround(fround(src[i]! * f) + shift);
  clip01(out);
  return dst;
}

/**
 * `cv2.addWeighted(img, factor, gray, 1 - factor, 0)` on float32, which OpenCV 4.6 computes in
 * float64 as `fma(x, f, gray*(1 - f))` (GCC contracts it), rounded to float32, clipped to [0, 1].
 */
export function adjustSaturationFloat(image: RawImage, factor: number): RawImage {
  const gray = rgbToGray(image).data as Float32Array;
  const dst = allocateLike(image, image.width, image.height);
  const out = dst.data as Float32Array;
  const src = image.data as Float32Array;
  if (factor === 0) {
    for (let p = 0; p < gray.length; p++) out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = gray[p]!;
    return dst;
  }
  const g = 1 - factor;
  for (let p = 0, i = 0; p < gray.length; p++, i += 3) {
    const weighted = gray[p]! * g;
    for (let c = 0; c < 3; c++) out[i + c] = fma(src[i + c]!, factor, weighted);
  }
  clip01(out);
  return dst;
}

/** RGB → HSV (H in degrees), `h = mod(h + factor*360, 360)` in float32, HSV → RGB. */
export function adjustHueFloat(image: RawImage, factor: number): RawImage {
  const hsv = rgbToHsv(image);
  const data = hsv.data as Float32Array;
  const shift = fround(factor * 360);
  for (let i = 0; i < data.length; i += 3) {
    // np.mod on float32: fmod, then moved into [0, 360) when the signs differ.
    const sum = fround(data[i]! + shift);
    let mod = fround(sum % 360);
    if (mod !== 0 && mod < 0) mod = fround(mod + 360);
    else if (mod === 0) mod = 0;
    data[i] = mod;
  }
  return hsvToRgb(hsv);
}
