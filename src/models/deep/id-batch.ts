/**
 * Token-id sequences in CSR form: sequence i is ids[starts[i] .. starts[i] + lengths[i]). Training
 * keeps the whole split this way; a padded inference matrix becomes one by counting non-pad ids.
 */
export interface IdSequences {
  readonly ids: Int32Array;
  readonly starts: Int32Array;
  readonly lengths: Int32Array;
}

/** Views a row-major [rows, width] id matrix (right-padded with 0) as sequences. */
export function sequencesOfMatrix(ids: Int32Array, rows: number, width: number): IdSequences {
  const starts = new Int32Array(rows);
  const lengths = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    starts[r] = r * width;
    let n = 0;
    // Count non-pad ids, as the exported graph does, so both agree on every input.
    for (let j = 0; j < width; j++) if (ids[r * width + j] !== 0) n++;
    lengths[r] = n;
  }
  return { ids, starts, lengths };
}

/** The dropout of one training step: masks are drawn by hashUniform(seed, step, index), so they do not depend on who computes them. */
export interface DropoutStep {
  readonly seed: number;
  readonly step: number;
  readonly rate: number;
}

/** Hash-based uniform in [0, 1) for (seed, step, index): dropout masks that do not depend on who computes them. */
export function hashUniform(seed: number, step: number, index: number): number {
  let h = Math.imul(seed ^ 0x27d4eb2f, 0x9e3779b1) ^ Math.imul(step + 0x165667b1, 0x85ebca6b) ^ Math.imul(index + 0x61c88647, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}
