"""Generates test/fixtures/jpeg/: small JPEG files made from deterministic synthetic images,
each with the pixels OpenCV 4.6 decodes from it (cv2.imread(file, cv2.IMREAD_COLOR), BGR->RGB,
i.e. libjpeg-turbo, ISLOW IDCT, fancy upsampling, EXIF orientation applied) as a raw uint8 HWC
<name>.rgb.bin, plus manifest.json. Covers 444/422/420/440/411 and gray, qualities 30-100,
restart intervals, progressive, optimized Huffman tables, EXIF orientation and extra markers.
Run with /usr/bin/python3 from the package folder (needs python3-opencv; see below for cjpeg).

OpenCV 4.6 has no IMWRITE_JPEG_SAMPLING_FACTOR (nor the _444/_422/_420/_440/_411 constants;
they came in 4.7): its imencode always writes 4:2:0 for colour. So 420 and gray files come from
cv2.imencode, and the other samplings from cjpeg (`apt-get install -y libjpeg-turbo-progs`, the same
libjpeg.so.62 that cv2 uses) with the same quality/restart/progressive/optimize settings; the
script first checks that cjpeg -sample 2x2 gives byte-identical files to cv2.imencode. If this
cv2 has IMWRITE_JPEG_SAMPLING_FACTOR, it is used instead and cjpeg is not needed.
IMWRITE_JPEG_QUALITY, _RST_INTERVAL, _PROGRESSIVE and _OPTIMIZE all exist in 4.6."""
import json, os, shutil, struct, subprocess, tempfile, zlib
import cv2
import numpy as np

root = 'test/fixtures/jpeg'
shutil.rmtree(root, ignore_errors=True)
os.makedirs(root)

SAMPLING_FLAG = getattr(cv2, 'IMWRITE_JPEG_SAMPLING_FACTOR', None)
FACTORS = {'444': (1, 1), '422': (2, 1), '420': (2, 2), '440': (1, 2), '411': (4, 1)}
PALETTE = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255), (255, 0, 255), (255, 255, 255), (0, 0, 0)]

def seed_of(name):
    return zlib.crc32(name.encode()) & 0x7fffffff

def synthetic(w, h, seed):
    """Smooth gradients + sine + Gaussian noise, a saturated rectangle and a sharp diagonal edge (RGB)."""
    rs = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    u, v = x / max(w - 1, 1), y / max(h - 1, 1)
    img = np.stack([255 * u, 255 * v, 127.5 + 127.5 * np.sin(2 * np.pi * (1.3 * u + 0.7 * v) + rs.uniform(0, 6.3))], -1)
    img += rs.normal(0, 14, img.shape)
    x0, y0 = rs.randint(0, w), rs.randint(0, h)
    img[y0:y0 + max(1, h // 3), x0:x0 + max(1, w // 3)] = PALETTE[rs.randint(len(PALETTE))]
    img[(x - 0.6 * y) > w * rs.uniform(0.3, 0.8)] = PALETTE[rs.randint(len(PALETTE))]
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)

def black_white(w, h, seed):
    """Pure black left half, pure white right half, opposite squares inside, a 1 px checker strip."""
    img = np.zeros((h, w, 3), np.uint8)
    img[:, w // 2:] = 255
    img[h // 4:h // 2, w // 8:w // 3] = 255
    img[h // 4:h // 2, w // 2 + w // 8:w // 2 + w // 3] = 0
    y, x = np.mgrid[0:h, 0:w]
    strip = y >= h - max(1, h // 5)
    img[strip] = (((x + y) % 2) * 255)[strip][:, None]
    return img

def red_blue(w, h, seed):
    """Saturated red next to saturated blue: halves, 1/2/3 px stripes and a checkerboard."""
    red, blue = np.array([255, 0, 0], np.uint8), np.array([0, 0, 255], np.uint8)
    y, x = np.mgrid[0:h, 0:w]
    stripe = np.where(x < w // 3, (x // 1) % 2, np.where(x < 2 * w // 3, (x // 2) % 2, (x // 3) % 2))
    sel = np.where(y < h // 3, x < w // 2, np.where(y < 2 * h // 3, stripe == 1, (x + y) % 2 == 1))
    return np.where(sel[..., None], red, blue).astype(np.uint8)

def to_gray(rgb):
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)

def cjpeg(img, sampling, quality, rst, progressive, optimize):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, 'in.pnm')
        with open(src, 'wb') as f:
            f.write(b'P%d %d %d 255\n' % (5 if img.ndim == 2 else 6, img.shape[1], img.shape[0]) + np.ascontiguousarray(img).tobytes())
        args = ['cjpeg', '-quality', str(quality)]
        if img.ndim == 3:
            args += ['-sample', '%dx%d' % FACTORS[sampling]]
        if rst:
            args += ['-restart', f'{rst}B']
        args += ['-progressive'] * progressive + ['-optimize'] * optimize
        return subprocess.run(args + [src], check=True, capture_output=True).stdout

def encode(img, sampling, quality, rst=0, progressive=False, optimize=False):
    """img: RGB (h, w, 3) or gray (h, w). Returns (jpeg bytes, encoder name)."""
    params = [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_RST_INTERVAL, rst,
              cv2.IMWRITE_JPEG_PROGRESSIVE, int(progressive), cv2.IMWRITE_JPEG_OPTIMIZE, int(optimize)]
    if img.ndim == 3 and SAMPLING_FLAG is not None:
        params += [SAMPLING_FLAG, getattr(cv2, f'IMWRITE_JPEG_SAMPLING_FACTOR_{sampling}')]
    elif img.ndim == 3 and sampling != '420':
        return cjpeg(img, sampling, quality, rst, progressive, optimize), 'cjpeg'
    bgr = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode('.jpg', bgr, params)
    assert ok
    return buf.tobytes(), 'cv2.imencode'

def segments(data):
    """(marker, payload) for each marker segment up to SOS."""
    assert data[:2] == b'\xff\xd8'
    i, out = 2, []
    while True:
        marker, length = data[i + 1], struct.unpack('>H', data[i + 2:i + 4])[0]
        out.append((marker, data[i + 4:i + 2 + length]))
        if marker == 0xDA:
            return out
        i += 2 + length

def check_header(data, case):
    """Asserts the file really has the sampling/progressive/restart the manifest claims."""
    segs = dict((m, p) for m, p in reversed(segments(data)))
    sof = [m for m in segs if m in (0xC0, 0xC1, 0xC2)]
    assert sof == [0xC2 if case['progressive'] else 0xC0], (case['id'], sof)
    p = segs[sof[0]]
    comps = [(p[6 + 3 * k + 1] >> 4, p[6 + 3 * k + 1] & 15) for k in range(p[5])]
    want = [(1, 1)] if case['sampling'] == 'gray' else [FACTORS[case['sampling']], (1, 1), (1, 1)]
    assert comps == want, (case['id'], comps)
    dri = struct.unpack('>H', segs[0xDD])[0] if 0xDD in segs else 0
    assert dri == case['restartInterval'], (case['id'], dri)

def after_app0(data):
    assert data[2:4] == b'\xff\xe0'
    return 4 + struct.unpack('>H', data[4:6])[0]

def segment(marker, payload):
    return bytes([0xFF, marker]) + struct.pack('>H', len(payload) + 2) + payload

def exif_app1(orientation, order):
    """Minimal Exif APP1: TIFF header + IFD0 with the single entry 0x0112 (Orientation, SHORT)."""
    e = '<' if order == 'II' else '>'
    tiff = order.encode() + struct.pack(e + 'HI', 42, 8) + struct.pack(e + 'H', 1)
    tiff += struct.pack(e + 'HHIHH', 0x0112, 3, 1, orientation, 0) + struct.pack(e + 'I', 0)
    return segment(0xE1, b'Exif\x00\x00' + tiff)

# encoders must agree: cjpeg -sample 2x2 == cv2.imencode (420) for every flag combination used below
if SAMPLING_FLAG is None:
    probe = synthetic(33, 47, 1)
    for flags in [dict(), dict(rst=3), dict(progressive=True), dict(optimize=True)]:
        assert cjpeg(probe, '420', 75, flags.get('rst', 0), flags.get('progressive', False), flags.get('optimize', False)) == \
            encode(probe, '420', 75, **flags)[0], f'cjpeg and cv2.imencode disagree for {flags}'

cases = []
def add(name, rgb, sampling, quality, rst=0, progressive=False, optimize=False, note='', splice=None, orientation=None):
    case = {'id': name, 'jpeg': f'{name}.jpg', 'expected': f'{name}.rgb.bin', 'sampling': sampling, 'quality': quality,
            'restartInterval': rst, 'progressive': progressive, 'optimize': optimize, 'exifOrientation': orientation}
    assert all(c['id'] != name for c in cases), name
    data, encoder = encode(to_gray(rgb) if sampling == 'gray' else rgb, sampling, quality, rst, progressive, optimize)
    check_header(data, case)
    if splice is not None:
        pos = after_app0(data)
        data = data[:pos] + splice + data[pos:]
    path = f'{root}/{name}.jpg'
    with open(path, 'wb') as f:
        f.write(data)
    out = np.ascontiguousarray(cv2.cvtColor(cv2.imread(path, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB))
    assert out.dtype == np.uint8 and out.ndim == 3 and out.shape[2] == 3
    out.tofile(f'{root}/{name}.rgb.bin')
    case.update(width=out.shape[1], height=out.shape[0], note=(note + '; ' if note else '') + f'encoded with {encoder}')
    cases.append(case)
    return out

SIZES = [(1, 1), (2, 2), (3, 5), (5, 3), (8, 8), (16, 16), (17, 9), (33, 47), (64, 48), (97, 131)]
QUALITIES = [30, 75, 95, 100]

def plain(prefix, sampling, w, h, q, gen=synthetic, note='', **kw):
    name = f'{prefix}_q{q}_w{w}_h{h}'
    for key, suffix in [('rst', 'rst'), ('progressive', 'prog'), ('optimize', 'opt')]:
        if kw.get(key):
            name += f'_{suffix}{kw[key] if key == "rst" else ""}'
    if gen is not synthetic:
        name += '_' + gen.__name__.replace('_', '')
    return add(name, gen(w, h, seed_of(name)), sampling, q, note=note, **kw)

# every size with 420 and 444: all qualities (420) or two of them (444) for the small ones, two for the larger ones
for sampling in ['420', '444']:
    for i, (w, h) in enumerate(SIZES):
        small = QUALITIES if sampling == '420' else [QUALITIES[i % 4], QUALITIES[(i + 2) % 4]]
        for q in {(33, 47): [30, 95], (64, 48): [75, 100], (97, 131): [75, 100]}.get((w, h), small):
            plain(f's{sampling}', sampling, w, h, q)
# 422 and 440: widths and heights 1-3, odd sizes, partial MCUs
for j, sampling in enumerate(['422', '440']):
    for i, (w, h) in enumerate([(1, 1), (2, 2), (3, 5), (5, 3), (1, 3) if j == 0 else (3, 1), (17, 9), (33, 47), (97, 131)]):
        plain(f's{sampling}', sampling, w, h, QUALITIES[(i + j) % 4])
for w, h, q in [(1, 1, 75), (2, 3, 95), (3, 5, 30), (8, 8, 100), (17, 9, 75), (33, 47, 95), (97, 131, 75)]:
    plain('gray', 'gray', w, h, q)
# clipping: pure black / white areas and saturated red next to blue
for sampling, w, h, q in [('420', 33, 47, 75), ('444', 17, 9, 100), ('422', 33, 47, 95), ('gray', 17, 9, 95)]:
    plain(f's{sampling}' if sampling != 'gray' else 'gray', sampling, w, h, q, gen=black_white, note='pure black and white areas, 1 px checker strip')
for sampling, w, h, q in [('420', 64, 48, 95), ('420', 17, 9, 30), ('444', 33, 47, 75), ('422', 17, 9, 100), ('440', 17, 9, 75)]:
    plain(f's{sampling}', sampling, w, h, q, gen=red_blue, note='saturated red next to saturated blue')
# restart intervals (in MCUs)
for sampling in ['420', '444', 'gray']:
    for rst, (w, h), q in [(1, (17, 9), 75), (3, (33, 47), 95), (7, (97, 131) if sampling == '420' else (47, 33), 75)]:
        plain(f's{sampling}' if sampling != 'gray' else 'gray', sampling, w, h, q, rst=rst, note=f'restart interval {rst} MCUs')
for w, h, q in [(33, 47, 75), (97, 131, 95)]:
    plain('s411', '411', w, h, q)
for sampling, w, h, q in [('420', 33, 47, 75), ('420', 97, 131, 95), ('444', 17, 9, 75), ('gray', 33, 47, 75)]:
    plain(f's{sampling}' if sampling != 'gray' else 'gray', sampling, w, h, q, progressive=True, note='progressive (jpeg_simple_progression)')
for sampling, w, h, q in [('420', 33, 47, 75), ('420', 97, 131, 95), ('444', 17, 9, 75)]:
    plain(f's{sampling}', sampling, w, h, q, optimize=True, note='optimized Huffman tables')
for orientation, order, (w, h) in [(6, 'II', (33, 47)), (3, 'MM', (17, 9)), (6, 'MM', (64, 48)), (3, 'II', (5, 3))]:
    name = f's420_q75_w{w}_h{h}_exif{orientation}{order.lower()}'
    out = add(name, synthetic(w, h, seed_of(name)), '420', 75, splice=exif_app1(orientation, order), orientation=orientation,
              note=f'Exif APP1 ({order}) after APP0, orientation {orientation}; width/height are after rotation (source {w}x{h})')
    assert out.shape[:2] == ((w, h) if orientation == 6 else (h, w)), name
name = 's420_q75_w33_h47_markers'
junk = np.random.RandomState(seed_of(name)).randint(0, 256, 200).astype(np.uint8).tobytes()
add(name, synthetic(33, 47, seed_of(name)), '420', 75,
    splice=segment(0xFE, b'fixture comment \xff\xd9 not an EOI') + segment(0xED, b'Junk\x00\xff\xd8\xff\xdb' + junk),
    note='COM and unknown APP13 (payloads contain 0xFF bytes and fake markers) spliced in before DQT')

with open(f'{root}/manifest.json', 'w') as f:
    head = json.dumps({'generator': 'scripts/make-jpeg-fixtures.py', 'opencv': cv2.__version__})[:-1]
    f.write(head + ', "cases": [\n' + ',\n'.join('  ' + json.dumps(c) for c in cases) + '\n]}\n')
print(f'{len(cases)} cases in {root}')
