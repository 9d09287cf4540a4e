// Scratch: CPU-time per step (process.cpuUsage) for the B3 recipe pieces.
import { readFileSync } from 'node:fs';
import { createRng, fromAlbumentationsDict, type AlbumentationsDict } from '../src/index.js';
import type { RawImage } from '../src/core/raw-image.js';
import { deriveSampleSeed } from '../src/pool/index.js';
const json = JSON.parse(readFileSync(new URL('./b3-train.json', import.meta.url), 'utf8'));
const build = (transforms: unknown[]) => fromAlbumentationsDict({ __version__: '1.3.1', transform: { ...json.transform, transforms } } as AlbumentationsDict);
const size = 256;
const data = new Uint8Array(size * size * 3);
for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
  const t = (Math.imul(x * 31 + y * 17, 2654435761) >>> 27) - 16; const o = (y * size + x) * 3;
  data[o] = Math.max(0, Math.min(255, x + t)); data[o + 1] = Math.max(0, Math.min(255, y + (t >> 1))); data[o + 2] = Math.max(0, Math.min(255, 128 + 100 * Math.sin((x + y) / 23) + t));
}
const img: RawImage = { data, width: size, height: size, channels: 3 };
const T = json.transform.transforms;
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
function time(name: string, n: number, f: (i: number) => unknown) {
  for (let i = 0; i < 20; i++) f(i);
  let best = Infinity;
  for (let r = 0; r < 3; r++) { const s = cpu(); for (let i = 0; i < n; i++) f(i); best = Math.min(best, (cpu() - s) / n); }
  console.log(name.padEnd(28), best.toFixed(3), 'ms CPU');
}
const full = build(T);
const rc = build(T.slice(0, 2));
const cropped = rc.apply(img, createRng(1)).image;
const force = (d: any) => build([{ ...d, p: 1, always_apply: true }]);
const which = process.argv[2] ?? 'all';
const N = Number(process.argv[3] ?? 200);
if (which === 'all' || which === 'full') time('full pipeline', N, (i) => full.apply(img, createRng(deriveSampleSeed(2024, i))));
if (which === 'all') {
  time('Resize+RandomCrop', N, (i) => rc.apply(img, createRng(i)));
  time('CoarseDropout', N, (i) => force(T[2]).apply(cropped, createRng(i)));
  const mb = force(T[3].transforms[0]), od = force(T[3].transforms[1]), gn = force(T[3].transforms[2]);
  time('MotionBlur', N, (i) => mb.apply(cropped, createRng(i)));
  time('OpticalDistortion', N, (i) => od.apply(cropped, createRng(i)));
  time('GaussNoise', N, (i) => gn.apply(cropped, createRng(i)));
  const vf = force(T[4]), hf = force(T[5]);
  time('VerticalFlip', N, (i) => vf.apply(cropped, createRng(i)));
  time('HorizontalFlip', N, (i) => hf.apply(cropped, createRng(i)));
  const nt = build(T.slice(6));
  time('Normalize+ToTensorV2', N, (i) => nt.apply(cropped, createRng(i)));
}
if (which !== 'all' && which !== 'full') {
  const idx: Record<string, any> = { mb: T[3].transforms[0], od: T[3].transforms[1], gn: T[3].transforms[2], hf: T[5], nt: null, rc: null };
  const t = which === 'nt' ? build(T.slice(6)) : which === 'rc' ? rc : force(idx[which]);
  time(which, N, (i) => t.apply(which === 'rc' ? img : cropped, createRng(i)));
}
