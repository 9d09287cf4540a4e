"""Same-machine reference for `npm run bench -w @art/augment`: the seed's B3 train recipe
(bench/b3-train.json) written as the OpenCV/NumPy calls albumentations 1.3.1 makes for it.

albumentations itself cannot be installed here (no PyPI), so this script calls what its
functional module calls, with its sampling code, and leaves out only its Python wrappers
(Compose checks, params dicts): it is an upper bound on albumentations' speed, so a target
taken from it is, if anything, harder to reach than the real library.

    /usr/bin/python3 bench/reference-opencv.py <seconds> <opencv threads> <image.jpg>...

Needs Debian's python3-opencv (OpenCV 4.6, as in the fixtures) and python3-numpy. Prints one
JSON line: images per second wall-clock and per CPU-second, decode included and not.
"""
import json
import random
import sys
import time

import cv2
import numpy as np

seconds = float(sys.argv[1])
threads = int(sys.argv[2])
paths = sys.argv[3:]
if threads >= 0:
    cv2.setNumThreads(threads)

MEAN = np.array((0.485, 0.456, 0.406), dtype=np.float32) * 255.0
DENOMINATOR = np.reciprocal(np.array((0.229, 0.224, 0.225), dtype=np.float32) * 255.0)
MEAN_CV2 = np.array(MEAN.tolist() + [0.0], dtype=np.float64)
DENOMINATOR_CV2 = np.array(DENOMINATOR.tolist() + [1.0], dtype=np.float64)
ONE_OF_WEIGHTS = [1 / 3, 1 / 3, 1 / 3]


def decode(file_path):
    # The seed's Dataset.__getitem__: cv2.imread then BGR -> RGB.
    image = cv2.imread(file_path, cv2.IMREAD_COLOR)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def motion_blur(image):
    # MotionBlur.get_params (blur_limit (3, 7), allow_shifted=True) + F.convolve.
    ksize = random.choice(range(3, 8, 2))
    kernel = np.zeros((ksize, ksize), dtype=np.uint8)
    x1, x2 = random.randint(0, ksize - 1), random.randint(0, ksize - 1)
    if x1 == x2:
        y1, y2 = random.sample(range(ksize), 2)
    else:
        y1, y2 = random.randint(0, ksize - 1), random.randint(0, ksize - 1)
    cv2.line(kernel, (x1, y1), (x2, y2), 1, thickness=1)
    kernel = kernel.astype(np.float32) / np.sum(kernel)
    return cv2.filter2D(image, ddepth=-1, kernel=kernel)


def optical_distortion(image):
    # OpticalDistortion.get_params (limits +-0.05) + F.optical_distortion.
    k = random.uniform(-0.05, 0.05)
    dx = round(random.uniform(-0.05, 0.05))
    dy = round(random.uniform(-0.05, 0.05))
    height, width = image.shape[:2]
    camera_matrix = np.array([[width, 0, width * 0.5 + dx], [0, height, height * 0.5 + dy], [0, 0, 1]], dtype=np.float32)
    distortion = np.array([k, k, 0, 0, 0], dtype=np.float32)
    map1, map2 = cv2.initUndistortRectifyMap(camera_matrix, distortion, None, None, (width, height), cv2.CV_32FC1)
    return cv2.remap(image, map1, map2, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101, borderValue=None)


def gauss_noise(image):
    # GaussNoise.get_params_dependent_on_targets (var_limit (10, 50), per_channel) + F.gauss_noise.
    sigma = random.uniform(10.0, 50.0) ** 0.5
    random_state = np.random.RandomState(random.randint(0, (1 << 32) - 1))
    gauss = random_state.normal(0, sigma, image.shape)
    return np.clip(image.astype(np.float32) + gauss, 0, 255).astype(np.uint8)


def augment(image):
    image = cv2.resize(image, (600, 600), interpolation=cv2.INTER_LINEAR)
    # RandomCrop(300, 300): a view, as F.random_crop returns.
    y1 = int((image.shape[0] - 300) * random.random())
    x1 = int((image.shape[1] - 300) * random.random())
    image = image[y1 : y1 + 300, x1 : x1 + 300]
    if random.random() < 0.5:  # CoarseDropout(4 holes of 64x64)
        holes = []
        for _ in range(random.randint(4, 4)):
            hole_height, hole_width = random.randint(64, 64), random.randint(64, 64)
            top, left = random.randint(0, 300 - hole_height), random.randint(0, 300 - hole_width)
            holes.append((left, top, left + hole_width, top + hole_height))
        image = image.copy()
        for left, top, right, bottom in holes:
            image[top:bottom, left:right] = 0
    if random.random() < 0.3:  # OneOf, equal weights, drawn as random_utils.choice does
        random_state = np.random.RandomState(random.randint(0, (1 << 32) - 1))
        image = (motion_blur, optical_distortion, gauss_noise)[random_state.choice(3, p=ONE_OF_WEIGHTS)](image)
    if random.random() < 0.5:
        image = np.ascontiguousarray(image[::-1, ...])
    if random.random() < 0.5:
        image = cv2.flip(image, 1)
    # F.normalize on a 3-channel image goes through normalize_cv2: cv2.subtract / cv2.multiply
    # in place with the constants padded to 4 float64 values.
    image = np.ascontiguousarray(image.astype("float32"))
    cv2.subtract(image, MEAN_CV2, image)
    cv2.multiply(image, DENOMINATOR_CV2, image)
    # ToTensorV2: a CHW view (torch.from_numpy(image.transpose(2, 0, 1)) copies nothing).
    return image.transpose(2, 0, 1)


def measure(step):
    for index in range(10):
        step(index)
    images = 0
    cpu_start = time.process_time()
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        step(images)
        images += 1
    elapsed = time.perf_counter() - start
    return images / elapsed, images / (time.process_time() - cpu_start)


random.seed(2024)
decoded = decode(paths[0])
assert decoded.shape == (256, 256, 3), decoded.shape
with_decode = measure(lambda index: augment(decode(paths[index % len(paths)])))
transforms_only = measure(lambda index: augment(decoded))
decode_only = measure(lambda index: decode(paths[index % len(paths)]))
print(
    json.dumps(
        {
            "opencv": cv2.__version__,
            "numpy": np.__version__,
            "opencvThreads": cv2.getNumThreads(),
            "withDecode": {"perSecond": with_decode[0], "perCpuSecond": with_decode[1]},
            "transformsOnly": {"perSecond": transforms_only[0], "perCpuSecond": transforms_only[1]},
            "decodeOnly": {"perSecond": decode_only[0], "perCpuSecond": decode_only[1]},
        }
    )
)
