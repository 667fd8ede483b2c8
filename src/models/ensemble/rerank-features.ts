import { topK } from '../top-k.js';
import type { MemoryVote } from './near-duplicate-memory.js';

/**
 * The re-ranker's view of one text: the candidates are the union of each member's top k and the
 * near-duplicate memory's strongest labels; each candidate is described by a few numbers. Features
 * that are the same for every candidate of a text (its length, its OOV share) would cancel in the
 * softmax over candidates, so they enter only multiplied with candidate features (how much to trust
 * a member or the memory depends on the text).
 *
 * Two optional groups (RerankLayout; artifacts written before them have neither):
 * - hierarchy, for code-like labels (HS codes): per prefix level (a label's first 2, 4... characters,
 *   its chapter or heading) each member's summed probability over the candidate's group, whether that
 *   group is the member's heaviest, and the memory's summed vote share over the group. A candidate
 *   in the chapter the members and neighbours agree on gains even when its own probability is split
 *   with its siblings;
 * - agreement: every member ranks the candidate first; it is the memory's strongest label.
 */
export const PER_MEMBER_FEATURES = ['logProb', 'prob', 'rank1', 'rank2', 'rank3toK', 'oovXlogProb', 'shortXlogProb'] as const;
export const SHARED_FEATURES = ['memoryShare', 'memoryBestSim', 'memoryExact', 'memoryShareXtopSim', 'oovXmemoryShare', 'shortXmemoryShare', 'logPrior', 'membersTop1'] as const;
export const PER_MEMBER_LEVEL_FEATURES = ['groupLogProb', 'groupTop'] as const;
export const SHARED_LEVEL_FEATURES = ['memoryGroupShare'] as const;
export const AGREEMENT_FEATURES = ['allMembersTop1', 'memoryTop1'] as const;

/** Which optional features a re-ranker has: prefix lengths of the hierarchy levels, and the agreement pair. */
export interface RerankLayout {
  readonly prefixes: readonly number[];
  readonly agreement: boolean;
}

export const PLAIN_LAYOUT: RerankLayout = { prefixes: [], agreement: false };

export function featureNames(members: readonly string[], layout: RerankLayout = PLAIN_LAYOUT): string[] {
  return [
    ...members.flatMap((m, i) => PER_MEMBER_FEATURES.map((f) => `${m}#${i}.${f}`)), ...SHARED_FEATURES,
    ...members.flatMap((m, i) => layout.prefixes.flatMap((l) => PER_MEMBER_LEVEL_FEATURES.map((f) => `${m}#${i}.${f}@${l}`))),
    ...layout.prefixes.flatMap((l) => SHARED_LEVEL_FEATURES.map((f) => `${f}@${l}`)),
    ...(layout.agreement ? AGREEMENT_FEATURES : []),
  ];
}

export function featureCount(members: number, layout: RerankLayout = PLAIN_LAYOUT): number {
  return members * PER_MEMBER_FEATURES.length + SHARED_FEATURES.length
    + layout.prefixes.length * (members * PER_MEMBER_LEVEL_FEATURES.length + SHARED_LEVEL_FEATURES.length)
    + (layout.agreement ? AGREEMENT_FEATURES.length : 0);
}

/**
 * The prefix lengths that make `labels` a hierarchy, for the `prefixes=auto` setting: labels all of
 * one length (at least 3) made of digits (HS4, HS6, a 10-digit national code) group by their first
 * 2, 4, ... characters; a level is kept when it groups (fewer groups than labels, more than one);
 * at most the two longest such levels (a 10-digit code: its 6- and 8-digit prefixes). Any other
 * label set (names, mixed lengths) has none.
 */
export function autoPrefixes(labels: readonly string[]): number[] {
  if (labels.length < 2) return [];
  const len = labels[0]!.length;
  if (len < 3 || !labels.every((l) => l.length === len && /^[0-9]+$/.test(l))) return [];
  const levels: number[] = [];
  for (let p = 2; p < len; p += 2) {
    const groups = new Set(labels.map((l) => l.slice(0, p))).size;
    if (groups > 1 && groups < labels.length) levels.push(p);
  }
  return levels.slice(-2);
}

/** Per level, each label's group id (0..groups-1, in order of first appearance) and the group count. */
export function labelGroups(labels: readonly string[], prefixes: readonly number[]): { of: Int32Array; count: number }[] {
  return prefixes.map((p) => {
    const ids = new Map<string, number>();
    const of = Int32Array.from(labels, (l) => {
      const key = l.slice(0, p);
      let g = ids.get(key);
      if (g === undefined) { g = ids.size; ids.set(key, g); }
      return g;
    });
    return { of, count: ids.size };
  });
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

  private readonly groups: { of: Int32Array; count: number }[];
  /** Per member and level, the member's probability mass per group (member-major). */
  private readonly groupMass: Float64Array[];
  private readonly groupTop: Int32Array;
  /** Per level, the memory's vote share per group. */
  private readonly memoryMass: Float64Array[];

  constructor(readonly members: number, readonly classes: number, readonly k: number, readonly memoryLabels: number, private readonly logPrior: Float32Array,
    labels?: readonly string[], readonly layout: RerankLayout = PLAIN_LAYOUT) {
    this.features = featureCount(members, layout);
    this.maxCandidates = members * k + memoryLabels;
    this.slotOf = new Int32Array(classes).fill(-1);
    this.topIds = new Int32Array(k);
    this.topScores = new Float32Array(k);
    if (layout.prefixes.length > 0 && (!labels || labels.length !== classes)) throw new Error('hierarchy features need the labels');
    this.groups = layout.prefixes.length > 0 ? labelGroups(labels!, layout.prefixes) : [];
    this.groupMass = Array.from({ length: members * this.groups.length }, (_, i) => new Float64Array(this.groups[i % this.groups.length]!.count));
    this.groupTop = new Int32Array(members * this.groups.length);
    this.memoryMass = this.groups.map((g) => new Float64Array(g.count));
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
    const L = this.groups.length;
    let extra = base + SHARED_FEATURES.length;
    if (L > 0) {
      const perLevel = PER_MEMBER_LEVEL_FEATURES.length;
      for (let m = 0; m < this.members; m++) {
        const p = proba[m]!;
        for (let l = 0; l < L; l++) {
          const of = this.groups[l]!.of;
          const mass = this.groupMass[m * L + l]!;
          mass.fill(0);
          for (let c = 0; c < this.classes; c++) mass[of[c]!]! += p[offset + c]!;
          let top = 0;
          for (let g = 1; g < mass.length; g++) if (mass[g]! > mass[top]!) top = g;
          this.groupTop[m * L + l] = top;
        }
      }
      for (let l = 0; l < L; l++) {
        const of = this.groups[l]!.of;
        for (let j = 0; j < vote.count; j++) this.memoryMass[l]![of[vote.labels[j]!]!]! += vote.share[j]!;
      }
      for (let s = 0; s < out.count; s++) {
        const c = out.ids[s]!;
        const row = s * F + extra;
        for (let m = 0; m < this.members; m++) {
          for (let l = 0; l < L; l++) {
            const g = this.groups[l]!.of[c]!;
            const mass = this.groupMass[m * L + l]![g]!;
            const at = row + (m * L + l) * perLevel;
            out.x[at] = mass > 0 ? Math.max(Math.log(mass), LOG_FLOOR) : LOG_FLOOR;
            out.x[at + 1] = this.groupTop[m * L + l] === g ? 1 : 0;
          }
        }
        for (let l = 0; l < L; l++) out.x[row + this.members * L * perLevel + l] = this.memoryMass[l]![this.groups[l]!.of[c]!]!;
      }
      for (let l = 0; l < L; l++) {
        const of = this.groups[l]!.of;
        for (let j = 0; j < vote.count; j++) this.memoryMass[l]![of[vote.labels[j]!]!] = 0;
      }
      extra += L * (this.members * perLevel + SHARED_LEVEL_FEATURES.length);
    }
    if (this.layout.agreement) {
      const strongest = vote.count > 0 ? vote.labels[0]! : -1;
      for (let s = 0; s < out.count; s++) {
        const row = s * F;
        out.x[row + extra] = out.x[row + base + 7] === 1 ? 1 : 0;
        out.x[row + extra + 1] = out.ids[s] === strongest ? 1 : 0;
      }
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
