import sharp from 'sharp';
import { readFileSync } from 'node:fs';
const root = process.argv[2]!;
const parse = (f: string) => readFileSync(`${root}/${f}`, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
const bins = 4;
async function hist(path: string) {
  const { data } = await sharp(`${root}/${path}`).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const h = new Float64Array(bins ** 3);
  for (let i = 0; i < data.length; i += 3) h[((data[i]! * bins) >> 8) * bins * bins + ((data[i + 1]! * bins) >> 8) * bins + ((data[i + 2]! * bins) >> 8)]! += 1;
  const n = data.length / 3; return h.map((v) => v / n);
}
const train = parse('train.csv'); const answers = new Map(parse('test_answers.csv').map(([id, a]) => [id!, a!]));
const cent = new Map<string, Float64Array>(); const cnt = new Map<string, number>();
for (const [, p, a] of train) { const h = await hist(p!); const c = cent.get(a!) ?? new Float64Array(h.length); h.forEach((v, i) => (c[i]! += v)); cent.set(a!, c); cnt.set(a!, (cnt.get(a!) ?? 0) + 1); }
for (const [a, c] of cent) c.forEach((v, i) => (c[i] = v / cnt.get(a)!));
let ok = 0, n = 0;
for (const [id, p] of parse('test.csv')) { const h = await hist(p!); let best = '', bd = Infinity; for (const [a, c] of cent) { let d = 0; h.forEach((v, i) => (d += Math.abs(v - c[i]!))); if (d < bd) { bd = d; best = a; } } n++; if (best === answers.get(id!)) ok++; }
console.log('acc', ok / n, 'chance', 1 / cent.size);
