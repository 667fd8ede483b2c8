import type { TokenEncoder } from '../onnx/token-encoder.js';
import { SUBWORD_PREFIX } from '../onnx/token-encoder.js';
import { PAD_ID } from './vocab.js';

/**
 * The embedding table a bag-mode model is served with: a known word's row becomes the mean of its
 * own row and its n-gram rows (what training averages for it), so at inference a known word is one
 * lookup and only unknown words need their n-grams. The bag row is zero (its position takes the
 * n-gram mean from the bag inputs); n-gram rows and <unk> keep their trained values. Without bag
 * mode the table is served as trained.
 */
export function foldBagTable(embedding: Float32Array, encoder: TokenEncoder, dim: number): Float32Array {
  if (!encoder.bagMode) return embedding;
  const spec = encoder.spec;
  const out = embedding.slice();
  out.fill(0, spec.bagId * dim, (spec.bagId + 1) * dim);
  out.fill(0, PAD_ID * dim, (PAD_ID + 1) * dim);
  const vocab = encoder.vocab;
  for (let id = 0; id < vocab.length; id++) {
    const word = vocab[id]!;
    if (id === spec.padId || id === spec.unkId || id === spec.bagId || word.startsWith(SUBWORD_PREFIX)) continue;
    const o = id * dim;
    let count = 1;
    encoder.forEachGram(word, (g) => {
      const go = g * dim;
      for (let j = 0; j < dim; j++) out[o + j] = out[o + j]! + embedding[go + j]!;
      count++;
    });
    const scale = 1 / count;
    for (let j = 0; j < dim; j++) out[o + j] = out[o + j]! * scale;
  }
  return out;
}
