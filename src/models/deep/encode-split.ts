import type { TokenEncoder } from '../onnx/token-encoder.js';
import type { IdSequences } from './id-batch.js';

/** Encodes every text once into CSR id sequences (the training and validation splits). */
export function encodeTexts(encoder: TokenEncoder, texts: readonly string[]): IdSequences {
  const max = encoder.spec.maxLength;
  let ids = new Int32Array(Math.max(1024, texts.length * 16));
  const starts = new Int32Array(texts.length);
  const lengths = new Int32Array(texts.length);
  let total = 0;
  for (let i = 0; i < texts.length; i++) {
    if (total + max > ids.length) {
      const grown = new Int32Array(Math.max(ids.length * 2, total + max));
      grown.set(ids.subarray(0, total));
      ids = grown;
    }
    const n = encoder.encode(texts[i]!, ids, total);
    starts[i] = total;
    lengths[i] = n;
    total += n;
  }
  return { ids: ids.slice(0, total), starts, lengths };
}
