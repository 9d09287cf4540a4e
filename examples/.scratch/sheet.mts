import sharp from 'sharp';
import { readFileSync } from 'node:fs';
const root = process.argv[2]!;
const rows = readFileSync(`${root}/train.csv`, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
const byArtist = new Map<string, string[]>();
for (const [, p, a] of rows) { if (!byArtist.has(a!)) byArtist.set(a!, []); byArtist.get(a!)!.push(p!); }
const artists = [...byArtist.keys()].sort();
const cell = 96, per = 8;
const composites = [];
for (const [r, a] of artists.entries()) for (let c = 0; c < per; c++) {
  const buf = await sharp(`${root}/${byArtist.get(a)![c]}`).resize(cell, cell, { fit: 'fill' }).toBuffer();
  composites.push({ input: buf, left: c * cell, top: r * cell });
}
await sharp({ create: { width: per * cell, height: artists.length * cell, channels: 3, background: '#fff' } }).composite(composites).png().toFile(process.argv[3]!);
