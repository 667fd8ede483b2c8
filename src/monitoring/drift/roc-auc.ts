/**
 * ROC AUC of scores for positives (label 1) against negatives (label 0) by the Mann-Whitney rank
 * sum, ties sharing their average rank: the probability that a random positive scores above a
 * random negative. 0.5 when a side is empty (nothing to tell apart).
 */
export function rocAuc(scores: Float64Array, positive: Uint8Array): number {
  const n = scores.length;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (positive[order[k]!] === 1) { pos++; rankSum += avgRank; }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return 0.5;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}
