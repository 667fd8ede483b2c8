import type { SectionArray } from '../artifact.js';
import type { Classifier, Contribution } from '../classifier.js';
import { MemorySearch, memorySections, type MemoryParts } from './near-duplicate-memory.js';
import { paramsRecord, type EnsembleParams } from './params.js';
import { noVote, voteFor } from './rerank-examples.js';
import { CandidateFeaturiser, emptyCandidates, featureNames } from './rerank-features.js';

export interface EnsembleParts {
  readonly labels: readonly string[];
  readonly params: EnsembleParams;
  readonly members: readonly Classifier[];
  /** Each member's own artifact, as stored (kept so that saving gives back the same bytes). */
  readonly memberArtifacts: readonly Uint8Array[];
  readonly memory: MemoryParts | undefined;
  readonly logPrior: Float32Array;
  /** Re-ranker weights, one per feature (featureNames order). */
  readonly weights: Float64Array;
  readonly temperature: number;
  /** Deterministic facts about the fit, kept in the artifact's params. */
  readonly fit: Readonly<Record<string, number>>;
}

export const ENSEMBLE_FEATURISER_NAME = 'ensemble-rerank';

/**
 * The ensemble as one classifier: every member scores the batch, the near-duplicate memory votes,
 * and the re-ranker redistributes the probability mass the members put on the candidates; classes
 * outside the candidates keep the members' mean probability (a tiny mass, but never zero, so
 * log-loss stays finite).
 */
export class EnsembleClassifier implements Classifier {
  readonly kind = 'ensemble';
  readonly labels: readonly string[];
  private readonly featuriser: CandidateFeaturiser;
  private readonly search: MemorySearch | undefined;

  constructor(readonly parts: EnsembleParts) {
    this.labels = parts.labels;
    const p = parts.params;
    this.featuriser = new CandidateFeaturiser(parts.members.length, parts.labels.length, p.topK, p.memory ? p.memoryLabels : 0, parts.logPrior);
    this.search = parts.memory ? new MemorySearch(parts.memory, parts.labels.length, { neighbours: p.neighbours, power: p.votePower, postingCap: p.postingCap }) : undefined;
  }

  get members(): readonly Classifier[] { return this.parts.members; }
  get memorySearch(): MemorySearch | undefined { return this.search; }

  predictProba(texts: readonly string[], out: Float32Array): void {
    const C = this.labels.length;
    const proba = this.parts.members.map((m) => {
      const p = new Float32Array(texts.length * C);
      m.predictProba(texts, p);
      return p;
    });
    this.combine(texts, proba, out);
  }

  /** The re-ranked probabilities given the members' probabilities for `texts` (also used while training). */
  combine(texts: readonly string[], proba: readonly Float32Array[], out: Float32Array): void {
    const C = this.labels.length;
    const F = this.featuriser.features;
    const M = proba.length;
    const w = this.parts.weights;
    const invT = 1 / this.parts.temperature;
    const vote = voteFor(this.featuriser);
    const cands = emptyCandidates(this.featuriser.maxCandidates, F);
    const scores = new Float64Array(this.featuriser.maxCandidates);
    for (let i = 0; i < texts.length; i++) {
      const at = i * C;
      if (this.search) this.search.query(texts[i]!, vote); else noVote(vote, texts[i]!);
      this.featuriser.build(proba, at, vote, cands);
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let m = 0; m < M; m++) s += proba[m]![at + c]!;
        out[at + c] = s / M;
      }
      let inside = 0;
      let max = -Infinity;
      for (let s = 0; s < cands.count; s++) {
        inside += out[at + cands.ids[s]!]!;
        let v = 0;
        for (let j = 0; j < F; j++) v += w[j]! * cands.x[s * F + j]!;
        scores[s] = v * invT;
        if (scores[s]! > max) max = scores[s]!;
      }
      let sum = 0;
      for (let s = 0; s < cands.count; s++) { scores[s] = Math.exp(scores[s]! - max); sum += scores[s]!; }
      const mass = Math.min(1, inside) / sum;
      for (let s = 0; s < cands.count; s++) out[at + cands.ids[s]!] = scores[s]! * mass;
    }
  }

  /** The first member's reasons: the re-ranker only reorders what the members proposed. */
  explain(text: string, classId: number, limit: number): Contribution[] {
    return this.parts.members[0]!.explain(text, classId, limit);
  }

  serialise(): { featuriser: Record<string, unknown>; params: Record<string, unknown>; sections: Array<[string, SectionArray]> } {
    const p = this.parts;
    return {
      featuriser: {
        name: ENSEMBLE_FEATURISER_NAME,
        members: p.members.map((m) => m.kind),
        features: featureNames(p.members.map((m) => m.kind)),
        memory: p.memory ? 'folded-token-cosine-knn' : 'none',
      },
      params: { ...paramsRecord(p.params), temperature: p.temperature, fit: { ...p.fit } },
      sections: [
        ...p.memberArtifacts.map((bytes, i): [string, SectionArray] => [`member.${i}`, bytes]),
        ['rerank.weights', p.weights],
        ['rerank.logPrior', p.logPrior],
        ...(p.memory ? memorySections(p.memory, 'memory.') : []),
      ],
    };
  }
}
