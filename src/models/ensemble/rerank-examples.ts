import { textBeforeFeatures } from '../../text/feature-tokens.js';
import { emptyVote, type MemorySearch } from './near-duplicate-memory.js';
import { emptyCandidates, type CandidateFeaturiser } from './rerank-features.js';
import type { RerankExamples } from './rerank-fit.js';

/**
 * The re-ranker's training (or calibration) set: each text's candidates and features, given the
 * members' probabilities for those texts (rows × classes each) and the memory that may vote on them
 * (built without these texts).
 */
export function rerankExamples(texts: readonly string[], y: Int32Array, proba: readonly Float32Array[], memory: MemorySearch | undefined, featuriser: CandidateFeaturiser): RerankExamples {
  const F = featuriser.features;
  const C = featuriser.classes;
  const vote = voteFor(featuriser);
  const cands = emptyCandidates(featuriser.maxCandidates, F);
  const start = new Int32Array(texts.length + 1);
  const positive = new Int32Array(texts.length).fill(-1);
  const chunks: Float64Array[] = [];
  for (let i = 0; i < texts.length; i++) {
    if (memory) memory.query(texts[i]!, vote); else noVote(vote, texts[i]!);
    featuriser.build(proba, i * C, vote, cands);
    chunks.push(cands.x.slice(0, cands.count * F));
    for (let s = 0; s < cands.count; s++) if (cands.ids[s] === y[i]) positive[i] = s;
    start[i + 1] = start[i]! + cands.count;
  }
  const x = new Float64Array(start[texts.length]! * F);
  chunks.forEach((c, i) => x.set(c, start[i]! * F));
  return { features: F, start, x, positive };
}

/** Without a memory: no votes, and the text counts as fully known (its length still counts). */
export function noVote(vote: ReturnType<typeof emptyVote>, text: string): void {
  vote.count = 0;
  vote.topSim = 0;
  vote.oovShare = 0;
  vote.tokens = textBeforeFeatures(text).split(/\s+/).filter((t) => t !== '').length;
}

/** A vote holder with room for more labels than become candidates (their shares still describe members' candidates). */
export function voteFor(featuriser: CandidateFeaturiser): ReturnType<typeof emptyVote> {
  return emptyVote(Math.max(featuriser.memoryLabels, 1) * 4);
}
