import { topK } from '../top-k.js';
import type { MemoryVote } from './near-duplicate-memory.js';

/**
 * The re-ranker's view of one text: the candidates are the union of each member's top k and the
 * near-duplicate memory's strongest labels; each candidate is described by a few numbers. Features
 * that are the same for every candidate of a text (its length, its OOV share) would cancel in the
 * softmax over candidates, so they enter only multiplied with candidate features (how much to trust
 * a member or the memory depends on the text).
 */
export const PER_MEMBER_FEATURES = ['logProb', 'prob', 'rank1', 'rank2', 'rank3toK', 'oovXlogProb', 'shortXlogProb'] as const;
export const SHARED_FEATURES = ['memoryShare', 'memoryBestSim', 'memoryExact', 'memoryShareXtopSim', 'oovXmemoryShare', 'shortXmemoryShare', 'logPrior', 'membersTop1'] as const;

export function featureNames(members: readonly string[]): string[] {
  return [...members.flatMap((m, i) => PER_MEMBER_FEATURES.map((f) => `${m}#${i}.${f}`)), ...SHARED_FEATURES];
}

export function featureCount(members: number): number {
  return members * PER_MEMBER_FEATURES.length + SHARED_FEATURES.length;
}

/** Texts of at most this many folded tokens count as short (the members know little about them). */
const SHORT_TOKENS = 2;
const LOG_FLOOR = Math.log(1e-6);
/** bestSim at or above this is the same folded token set. */
const EXACT_SIM = 0.999;

export interface Candidates {
  count: number;
  readonly ids: Int32Array;
  /** count × features, row per candidate. */
  readonly x: Float64Array;
}

export function emptyCandidates(maxCandidates: number, features: number): Candidates {
  return { count: 0, ids: new Int32Array(maxCandidates), x: new Float64Array(maxCandidates * features) };
}

export class CandidateFeaturiser {
  readonly features: number;
  readonly maxCandidates: number;
  private readonly slotOf: Int32Array;
  private readonly topIds: Int32Array;
  private readonly topScores: Float32Array;

  constructor(readonly members: number, readonly classes: number, readonly k: number, readonly memoryLabels: number, private readonly logPrior: Float32Array) {
    this.features = featureCount(members);
    this.maxCandidates = members * k + memoryLabels;
    this.slotOf = new Int32Array(classes).fill(-1);
    this.topIds = new Int32Array(k);
    this.topScores = new Float32Array(k);
  }

  /** Candidates and features of the text whose member probabilities start at `offset` in each of `proba`. */
  build(proba: readonly Float32Array[], offset: number, vote: MemoryVote, out: Candidates): void {
    const F = this.features;
    const per = PER_MEMBER_FEATURES.length;
    out.count = 0;
    const add = (c: number): number => {
      let s = this.slotOf[c]!;
      if (s < 0) {
        s = out.count++;
        this.slotOf[c] = s;
        out.ids[s] = c;
        out.x.fill(0, s * F, (s + 1) * F);
      }
      return s;
    };
    for (let m = 0; m < this.members; m++) {
      const n = topK(proba[m]!, offset, this.classes, this.k, this.topIds, this.topScores);
      for (let r = 0; r < n; r++) {
        const s = add(this.topIds[r]!);
        out.x[s * F + m * per + (r === 0 ? 2 : r === 1 ? 3 : 4)] = 1;
      }
    }
    for (let j = 0; j < vote.count && j < this.memoryLabels; j++) add(vote.labels[j]!);
    const short = vote.tokens <= SHORT_TOKENS ? 1 : 0;
    const oov = vote.oovShare;
    const base = this.members * per;
    for (let s = 0; s < out.count; s++) {
      const c = out.ids[s]!;
      const row = s * F;
      let top1 = 0;
      for (let m = 0; m < this.members; m++) {
        const p = proba[m]![offset + c]!;
        const lp = p > 0 ? Math.max(Math.log(p), LOG_FLOOR) : LOG_FLOOR;
        const at = row + m * per;
        out.x[at] = lp;
        out.x[at + 1] = p;
        top1 += out.x[at + 2]!;
        out.x[at + 5] = oov * lp;
        out.x[at + 6] = short * lp;
      }
      out.x[base + row + 6] = this.logPrior[c]!;
      out.x[base + row + 7] = top1 / this.members;
    }
    for (let j = 0; j < vote.count; j++) {
      const s = this.slotOf[vote.labels[j]!]!;
      if (s < 0) continue;
      const at = s * F + base;
      const share = vote.share[j]!;
      out.x[at] = share;
      out.x[at + 1] = vote.bestSim[j]!;
      out.x[at + 2] = vote.bestSim[j]! >= EXACT_SIM ? 1 : 0;
      out.x[at + 3] = share * vote.topSim;
      out.x[at + 4] = oov * share;
      out.x[at + 5] = short * share;
    }
    for (let s = 0; s < out.count; s++) this.slotOf[out.ids[s]!] = -1;
  }
}

/** log((n_c + 1) / (n + classes)): the class prior every candidate carries. */
export function logPriorOf(y: Int32Array, classes: number): Float32Array {
  const counts = new Float64Array(classes);
  for (const c of y) counts[c]!++;
  return Float32Array.from(counts, (n) => Math.log((n + 1) / (y.length + classes)));
}
