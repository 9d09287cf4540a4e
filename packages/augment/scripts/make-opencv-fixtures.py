"""Generates test/fixtures/opencv/: extra reference outputs straight from cv2 (OpenCV 4.6,
Debian python3-opencv) for code paths the albumentations manifest does not cover: other
interpolations, every border mode, padding, Gaussian blur, gray and HSV. Same manifest format
as the albumentations fixtures, so `npm run parity -- test/fixtures/opencv/manifest.json` runs it.
Run with /usr/bin/python3 from the package folder."""
import json, os, shutil
import cv2
import numpy as np

root = 'test/fixtures/opencv'
shutil.rmtree(root, ignore_errors=True)
os.makedirs(f'{root}/cases', exist_ok=True)
os.makedirs(f'{root}/inputs', exist_ok=True)
inputs = {}
images = {}
for name, w, h in [('img_a_w64_h48', 64, 48), ('img_b_w97_h131', 97, 131)]:
    shutil.copy(f'test/fixtures/inputs/{name}.rgb.bin', f'{root}/inputs/{name}.rgb.bin')
    inputs[name] = {'raw': {'file': f'inputs/{name}.rgb.bin', 'dtype': 'uint8', 'shape': [h, w, 3]}, 'width': w, 'height': h, 'channels': 3}
    images[name] = np.fromfile(f'test/fixtures/inputs/{name}.rgb.bin', np.uint8).reshape(h, w, 3)

cases = []
def add(case_id, inp, op, params, out):
    out = np.ascontiguousarray(out)
    out.tofile(f'{root}/cases/{case_id}.bin')
    cases.append({'id': case_id, 'input': inp, 'op': op, 'params': params,
                  'expected': {'file': f'cases/{case_id}.bin', 'dtype': str(out.dtype), 'shape': list(out.shape)}})

INTER = {'INTER_NEAREST': 0, 'INTER_LINEAR': 1, 'INTER_CUBIC': 2, 'INTER_AREA': 3}
BORDER = {'BORDER_CONSTANT': 0, 'BORDER_REPLICATE': 1, 'BORDER_REFLECT': 2, 'BORDER_WRAP': 3, 'BORDER_REFLECT_101': 4}

for inp, sizes in [('img_a_w64_h48', [(29, 41), (80, 107), (12, 16), (16, 32), (96, 128)]), ('img_b_w97_h131', [(64, 50), (150, 110), (131, 48)])]:
    for interp in ['INTER_NEAREST', 'INTER_CUBIC', 'INTER_AREA']:
        for h, w in sizes:
            add(f'resize_{inp[4]}_{interp[6:].lower()}_{h}x{w}', inp, 'resize', {'height': h, 'width': w, 'interpolation': interp},
                cv2.resize(images[inp], (w, h), interpolation=INTER[interp]))

for inp in images:
    img = images[inp]
    h, w = img.shape[:2]
    for angle, scale, border, interp in [(30, 1.0, 'BORDER_CONSTANT', 'INTER_LINEAR'), (-50, 0.7, 'BORDER_REPLICATE', 'INTER_LINEAR'),
                                         (120, 1.3, 'BORDER_REFLECT', 'INTER_LINEAR'), (75, 0.6, 'BORDER_WRAP', 'INTER_LINEAR'),
                                         (10, 0.5, 'BORDER_REFLECT_101', 'INTER_LINEAR'), (33, 0.8, 'BORDER_REFLECT', 'INTER_NEAREST'),
                                         (-20, 0.9, 'BORDER_CONSTANT', 'INTER_NEAREST'), (15, 1.1, 'BORDER_REFLECT_101', 'INTER_CUBIC'),
                                         (-65, 0.75, 'BORDER_CONSTANT', 'INTER_CUBIC'), (200, 0.6, 'BORDER_WRAP', 'INTER_CUBIC')]:
        m = cv2.getRotationMatrix2D((w / 2 - 0.5, h / 2 - 0.5), angle, scale)
        value = [10, 200, 77] if border == 'BORDER_CONSTANT' else None
        out = cv2.warpAffine(img, m, (w, h), flags=INTER[interp], borderMode=BORDER[border], borderValue=value if value else 0)
        add(f'warp_{inp[4]}_{angle}_{border[7:].lower()}_{interp[6:].lower()}', inp, 'warp_affine',
            {'matrix': m.flatten().tolist(), 'interpolation': interp, 'border_mode': border, 'value': value}, out)
    for border in BORDER:
        value = [250, 3, 128] if border == 'BORDER_CONSTANT' else None
        # img_a: pads larger than the image (several reflections); img_b: small odd pads.
        top, bottom, left, right = (3, 70, 101, 2) if inp.startswith('img_a') else (2, 5, 7, 1)
        out = cv2.copyMakeBorder(img, top, bottom, left, right, BORDER[border], value=value if value else 0)
        add(f'pad_{inp[4]}_{border[7:].lower()}', inp, 'pad', {'top': top, 'bottom': bottom, 'left': left, 'right': right, 'border_mode': border, 'value': value}, out)
    blurs = [(3, 0), (5, 0), (7, 0), (5, 1.3), (9, 0), (0, 2.0), (3, 0.6)] if inp.startswith('img_a') else [(5, 0), (7, 1.1)]
    for ksize, sigma in blurs:
        add(f'gaussian_blur_{inp[4]}_k{ksize}_s{sigma}', inp, 'gaussian_blur', {'ksize': ksize, 'sigma': sigma},
            cv2.GaussianBlur(img, (ksize, ksize), sigmaX=sigma))
    add(f'rgb2gray_{inp[4]}', inp, 'rgb2gray', {}, cv2.cvtColor(img, cv2.COLOR_RGB2GRAY))
    add(f'rgb2hsv_{inp[4]}', inp, 'rgb2hsv', {}, cv2.cvtColor(img, cv2.COLOR_RGB2HSV))
    hsv_in = img.copy(); hsv_in[..., 0] = (hsv_in[..., 0].astype(np.int32) * 180 // 256).astype(np.uint8)
    add(f'hsv2rgb_{inp[4]}', inp, 'hsv2rgb', {'input_transform': 'channel0 = channel0 * 180 // 256'}, cv2.cvtColor(hsv_in, cv2.COLOR_HSV2RGB))

    # albumentations 1.3.1 colour functionals, transcribed (cv2 + NumPy exactly as they call them)
    gray3 = cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    for factor in [0.3, 1.9]:
        add(f'adjust_saturation_{inp[4]}_{factor}', inp, 'adjust_saturation', {'factor': factor}, cv2.addWeighted(img, factor, gray3, 1 - factor, gamma=0))
    for factor in [-0.3, 0.12]:
        hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
        lut = np.mod(np.arange(0, 256, dtype=np.int16) + 180 * factor, 180).astype(np.uint8)
        hsv[..., 0] = cv2.LUT(hsv[..., 0], lut)
        add(f'adjust_hue_{inp[4]}_{factor}', inp, 'adjust_hue', {'factor': factor}, cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB))
    for hue, sat, val in [(12.7, -20.2, 9.9), (-17.5, 25.0, -30.4)]:
        hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
        h_, s_, v_ = cv2.split(hsv)
        h_ = cv2.LUT(h_, np.mod(np.arange(0, 256, dtype=np.int16) + hue, 180).astype(np.uint8))
        s_ = cv2.LUT(s_, np.clip(np.arange(0, 256, dtype=np.int16) + sat, 0, 255).astype(np.uint8))
        v_ = cv2.LUT(v_, np.clip(np.arange(0, 256, dtype=np.int16) + val, 0, 255).astype(np.uint8))
        add(f'shift_hsv_{inp[4]}_{hue}', inp, 'shift_hsv', {'hue_shift': hue, 'sat_shift': sat, 'val_shift': val}, cv2.cvtColor(cv2.merge((h_, s_, v_)), cv2.COLOR_HSV2RGB))
    for alpha, beta in [(1.13, 0.07), (0.81, -0.15)]:
        lut = np.arange(0, 256).astype('float32')
        lut *= alpha
        lut += beta * 255
        lut = np.clip(lut, 0, 255).astype(np.uint8)
        add(f'brightness_contrast_{inp[4]}_{alpha}', inp, 'brightness_contrast', {'alpha': alpha, 'beta': beta, 'beta_by_max': True}, cv2.LUT(img, lut))
    # brightness_by_max=False: albumentations 1.3.1 `_brightness_contrast_adjust_uint` adds
    # (alpha * beta) * mean(img), cast to float32 by NumPy 1.24's value-based casting.
    for alpha, beta in [(1.3, 0.14), (0.77, -0.31)]:
        lut = np.arange(0, 256).astype('float32')
        lut *= alpha
        lut += (alpha * beta) * np.mean(img)
        lut = np.clip(lut, 0, 255).astype(np.uint8)
        add(f'brightness_contrast_mean_{inp[4]}_{alpha}', inp, 'brightness_contrast', {'alpha': alpha, 'beta': beta, 'beta_by_max': False}, cv2.LUT(img, lut))

manifest = {'generator': f'cv2 {cv2.__version__} (Debian python3-opencv), scripts/make-opencv-fixtures.py', 'inputs': inputs, 'cases': cases}
json.dump(manifest, open(f'{root}/manifest.json', 'w'), indent=1)
print(len(cases), 'cases')
