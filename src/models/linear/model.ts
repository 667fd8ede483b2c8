import { InputError } from '../../core/errors.js';
import type { NgramSettings } from '../../text/ngram-hasher.js';
import type { SectionArray } from '../artifact.js';
import type { Classifier, Contribution } from '../classifier.js';
import { LinearFeaturiser, type LinearVocabulary } from './featurise.js';
import { HybridScorer } from './hybrid-scorer.js';
import type { InvertedWeights } from './inverted-weights.js';

export interface LinearModelParts {
  readonly labels: readonly string[];
  readonly settings: NgramSettings;
  readonly vocabulary: LinearVocabulary;
  readonly weights: InvertedWeights;
  /** Hyper-parameters the model was trained with (recorded, not used for prediction). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Softmax temperature fitted on held-out rows. */
  readonly temperature: number;
}

export const LINEAR_FEATURISER_NAME = 'tfidf-word-char-wb';

export class LinearClassifier implements Classifier {
  readonly kind = 'linear';
  readonly labels: readonly string[];
  readonly temperature: number;
  readonly parts: LinearModelParts;
  private readonly featuriser: LinearFeaturiser;
  /** Prediction layout (the common columns copied into a dense block); shared by withTemperature. */
  private readonly scorer: HybridScorer;

  constructor(parts: LinearModelParts, scorer?: HybridScorer) {
    this.parts = parts;
    this.labels = parts.labels;
    this.temperature = parts.temperature;
    this.featuriser = new LinearFeaturiser(parts.settings, parts.vocabulary);
    this.scorer = scorer ?? new HybridScorer(parts.weights, parts.labels.length);
  }

  /** The same model with another softmax temperature (shares all arrays; not to be used alongside this one). */
  withTemperature(temperature: number): LinearClassifier {
    return new LinearClassifier({ ...this.parts, temperature }, this.scorer);
  }

  /** Raw one-vs-rest decision values into out[i * classes + c]. */
  decisionScores(texts: readonly string[], out: Float32Array): void {
    const k = this.labels.length;
    checkOut(out, texts.length * k);
    for (let i = 0; i < texts.length; i++) {
      const scores = this.score(texts[i]!);
      out.set(scores.subarray(0, k), i * k);
    }
  }

  predictProba(texts: readonly string[], out: Float32Array): void {
    const k = this.labels.length;
    checkOut(out, texts.length * k);
    const t = this.temperature;
    for (let i = 0; i < texts.length; i++) {
      this.score(texts[i]!);
      this.scorer.softmaxInto(t, out, i * k);
    }
  }

  explain(text: string, classId: number, limit: number): Contribution[] {
    if (!Number.isInteger(classId) || classId < 0 || classId >= this.labels.length) {
      throw new InputError('bad-class-id', `class id ${classId} is outside this model's ${this.labels.length} classes`, { classId, classes: this.labels.length });
    }
    const f = this.featuriser;
    const n = f.vectorise(text);
    const valueOf = new Map<number, number>();
    for (let k = 0; k < n; k++) valueOf.set(f.cols[k]!, f.vals[k]!);
    const seen = new Set<number>();
    const out: Contribution[] = [];
    const mark = f.featureMark(text);
    for (const d of f.hasher.describe(mark < 0 ? text : text.slice(0, mark))) {
      const col = f.columnOf(d.id, d.family);
      if (col < 0 || seen.has(col)) continue;
      seen.add(col);
      const w = this.weightOf(col, classId);
      if (w === 0) continue;
      out.push({ feature: d.feature, weight: (valueOf.get(col) ?? 0) * w });
    }
    // Entity-feature tokens: their own block's columns.
    for (const { column, token } of f.featureColumns(text, mark)) {
      const w = this.weightOf(column, classId);
      if (w !== 0) out.push({ feature: token, weight: (valueOf.get(column) ?? 0) * w });
    }
    out.sort((a, b) => b.weight - a.weight || (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0));
    return out.slice(0, Math.max(0, limit));
  }

  serialise(): { featuriser: Record<string, unknown>; params: Record<string, unknown>; sections: Array<[string, SectionArray]> } {
    const { settings, vocabulary: v, weights: w } = this.parts;
    return {
      featuriser: {
        name: LINEAR_FEATURISER_NAME,
        ngrams: { wordNgrams: settings.wordNgrams, charMin: settings.charMin, charMax: settings.charMax, maxTokens: settings.maxTokens,
          charBoundary: settings.charBoundary ?? 'token', minWordLength: settings.minWordLength ?? 1 },
        tf: 'sublinear', idf: 'smooth', norm: 'l2-per-block',
        wordColumns: v.wordIds.length, charColumns: v.charIds.length,
        ...(v.featureIds === undefined ? {} : { featureColumns: v.featureIds.length }),
      },
      params: { ...this.parts.params, temperature: this.temperature },
      sections: [
        ['vocab.word.ids', v.wordIds], ['vocab.word.idf', v.wordIdf],
        ['vocab.char.ids', v.charIds], ['vocab.char.idf', v.charIdf],
        ...(v.featureIds === undefined || v.featureIdf === undefined ? [] : [['vocab.feature.ids', v.featureIds], ['vocab.feature.idf', v.featureIdf]] as Array<[string, SectionArray]>),
        ['weights.indptr', w.indptr], ['weights.class', w.classIds], ['weights.value', w.weights], ['weights.bias', w.bias],
      ],
    };
  }

  /** bias + Σ tfidf × weight over the text's features, per class (a view valid until the next call). */
  private score(text: string): Float32Array {
    const f = this.featuriser;
    const n = f.vectorise(text);
    return this.scorer.score(f.cols, f.vals, n);
  }

  private weightOf(col: number, cls: number): number {
    const { indptr, classIds, weights } = this.parts.weights;
    let lo = indptr[col]!;
    let hi = indptr[col + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = classIds[mid]!;
      if (c === cls) return weights[mid]!;
      if (c < cls) lo = mid + 1; else hi = mid;
    }
    return 0;
  }
}

function checkOut(out: Float32Array, needed: number): void {
  if (out.length < needed) {
    throw new InputError('output-too-small', `output array holds ${out.length} values; ${needed} are needed (texts × classes)`, { length: out.length, needed });
  }
}
