import { describe, expect, it } from 'vitest';
import { fitCaptions } from '../src/io/preview-grid.js';

describe('previewGrid captions (fitCaptions)', () => {
  it('keep what distinguishes two long labels sharing a 20-character prefix', () => {
    const labels = ['Jean-Baptiste-Camille Corot', 'Jean-Baptiste-Camille Pissarro', 'Monet', 'Pierre-Auguste Renoir'];
    expect(labels[0]!.slice(0, 20)).toBe(labels[1]!.slice(0, 20));
    for (const maximum of [8, 12, 17, 24]) {
      const captions = fitCaptions(labels, maximum);
      expect(new Set(captions).size, `maximum ${maximum}: ${captions.join(' | ')}`).toBe(labels.length);
      for (const caption of captions) expect(caption.length).toBeLessThanOrEqual(Math.max(4, maximum));
    }
    // At a 128 px cell (17 characters): the surnames show; a label without a look-alike keeps its start.
    expect(fitCaptions(labels, 17)).toEqual(['Jean-…mille Corot', 'Jean-…le Pissarro', 'Monet', 'Pierre-Auguste R…']);
  });

  it('leave labels that fit unchanged, and identical labels identical', () => {
    expect(fitCaptions(['degas', 'monet'], 17)).toEqual(['degas', 'monet']);
    expect(fitCaptions(['Jean-Baptiste-Camille Corot', 'Jean-Baptiste-Camille Corot'], 17)).toEqual([
      'Jean-Baptiste-Ca…',
      'Jean-Baptiste-Ca…',
    ]);
  });
});
