/** One equal-width confidence bin of a reliability diagram. */
export interface ReliabilityBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Share of rows in the bin whose top-1 label was right; null when the bin is empty. */
  readonly accuracy: number | null;
  /** Mean top-1 confidence in the bin; null when the bin is empty. */
  readonly confidence: number | null;
}

export interface Calibration {
  /** Expected calibration error: sum over bins of (bin share of rows) * |accuracy - confidence|. */
  readonly ece: number;
  /** The largest |accuracy - confidence| over non-empty bins. */
  readonly maxCalibrationError: number;
  readonly bins: readonly ReliabilityBin[];
}

export const CALIBRATION_BINS = 15;

/**
 * ECE over top-1 confidence with equal-width bins on [0, 1]; a confidence of exactly 1 falls in the
 * last bin, like the usual implementations (Guo et al. 2017).
 */
export function calibration(confidence: Float32Array, correct: Uint8Array, bins = CALIBRATION_BINS): Calibration {
  const count = new Float64Array(bins);
  const hits = new Float64Array(bins);
  const confSum = new Float64Array(bins);
  const n = confidence.length;
  for (let i = 0; i < n; i++) {
    const c = confidence[i]!;
    let b = Math.floor(c * bins);
    if (b >= bins) b = bins - 1;
    else if (b < 0 || Number.isNaN(b)) b = 0;
    count[b]!++;
    hits[b]! += correct[i]!;
    confSum[b]! += c;
  }
  let ece = 0;
  let mce = 0;
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const k = count[b]!;
    const accuracy = k > 0 ? hits[b]! / k : null;
    const conf = k > 0 ? confSum[b]! / k : null;
    if (accuracy !== null && conf !== null) {
      const gap = Math.abs(accuracy - conf);
      ece += (k / n) * gap;
      if (gap > mce) mce = gap;
    }
    out.push({ lower: b / bins, upper: (b + 1) / bins, count: k, accuracy, confidence: conf });
  }
  return { ece: n > 0 ? ece : 0, maxCalibrationError: mce, bins: out };
}
