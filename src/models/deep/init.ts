import type { Random } from '../../core/random.js';

/** U(-bound, bound), as PyTorch initialises Linear and Conv weights with bound 1/√fan_in. */
export function fillUniform(a: Float32Array, bound: number, random: Random): void {
  for (let i = 0; i < a.length; i++) a[i] = (2 * random.next() - 1) * bound;
}
