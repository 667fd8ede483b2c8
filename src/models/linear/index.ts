import { ArtifactError } from '../../core/errors.js';
import type { NgramSettings } from '../../text/ngram-hasher.js';
import type { ArtifactMeta, SectionArray } from '../artifact.js';
import type { Classifier, ModelKind, TrainInput, TrainOptions } from '../classifier.js';
import { vocabularyColumns } from './featurise.js';
import { LinearClassifier, LINEAR_FEATURISER_NAME } from './model.js';
import { LINEAR_DEFAULTS } from './params.js';
import { trainLinear } from './train.js';

export { LinearClassifier } from './model.js';
export { LINEAR_DEFAULTS, parseLinearParams, type LinearParams } from './params.js';

export const linearKind: ModelKind = {
  name: 'linear',
  description: 'TF-IDF word 1-2-grams + char_wb 2-5-grams, one-vs-rest linear SVM (squared hinge) or logistic regression, temperature-calibrated',
  defaults: LINEAR_DEFAULTS,
  refits: true,
  // Entity features after the mark, read as a block of their own (featurise.ts, LinearVocabulary.featureIds).
  featureEncoding: 'tokens-v2',
  train(input: TrainInput, options: TrainOptions): Promise<Classifier> {
    return trainLinear(input, options);
  },
  load(meta: ArtifactMeta, sections: ReadonlyMap<string, SectionArray>): Classifier {
    return loadLinear(meta, sections);
  },
};

function broken(what: string): ArtifactError {
  return new ArtifactError('artifact-bad-linear-model', `linear model artifact is inconsistent: ${what}`, { kind: 'linear' },
    'Retrain the model; the artifact was not written by this version of the linear kind.');
}

function section<T extends SectionArray>(sections: ReadonlyMap<string, SectionArray>, name: string, ctor: abstract new (...a: never[]) => T): T {
  const s = sections.get(name);
  if (!(s instanceof ctor)) throw broken(`section ${name} is missing or of the wrong type`);
  return s;
}

function integer(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw broken(`featuriser.ngrams.${name} is ${JSON.stringify(v)}`);
  return v;
}

function charBoundary(v: unknown): 'token' | 'whitespace' {
  if (v === undefined || v === 'token') return 'token';
  if (v === 'whitespace') return 'whitespace';
  throw broken(`featuriser.ngrams.charBoundary is ${JSON.stringify(v)}`);
}

/** Rebuilds a LinearClassifier from artifact meta + sections, checking that the parts agree. */
export function loadLinear(meta: ArtifactMeta, sections: ReadonlyMap<string, SectionArray>): LinearClassifier {
  if (meta.kind !== 'linear') throw broken(`kind is ${meta.kind}`);
  if (meta.featuriser['name'] !== LINEAR_FEATURISER_NAME) throw broken(`featuriser is ${String(meta.featuriser['name'])}`);
  const ng = meta.featuriser['ngrams'] as Record<string, unknown> | undefined;
  if (typeof ng !== 'object' || ng === null) throw broken('featuriser.ngrams is missing');
  const settings: NgramSettings = {
    wordNgrams: integer(ng['wordNgrams'], 'wordNgrams'), charMin: integer(ng['charMin'], 'charMin'),
    charMax: integer(ng['charMax'], 'charMax'), maxTokens: integer(ng['maxTokens'], 'maxTokens'),
    // Absent in artifacts written before these options existed: their behaviour was 'token' and 1.
    charBoundary: charBoundary(ng['charBoundary']),
    minWordLength: ng['minWordLength'] === undefined ? 1 : Math.max(1, integer(ng['minWordLength'], 'minWordLength')),
  };
  const temperature = meta.params['temperature'];
  if (typeof temperature !== 'number' || !(temperature > 0)) throw broken(`params.temperature is ${JSON.stringify(temperature)}`);
  const vocabulary = {
    wordIds: section(sections, 'vocab.word.ids', Uint32Array), wordIdf: section(sections, 'vocab.word.idf', Float32Array),
    charIds: section(sections, 'vocab.char.ids', Uint32Array), charIdf: section(sections, 'vocab.char.idf', Float32Array),
    // Only in models trained with entity features (tokens-v2).
    ...(sections.has('vocab.feature.ids') ? {
      featureIds: section(sections, 'vocab.feature.ids', Uint32Array), featureIdf: section(sections, 'vocab.feature.idf', Float32Array),
    } : {}),
  };
  const classes = meta.labels.length;
  const indptr = section(sections, 'weights.indptr', Uint32Array);
  const classIds = classes <= 0x10000 ? section(sections, 'weights.class', Uint16Array) : section(sections, 'weights.class', Int32Array);
  const weights = section(sections, 'weights.value', Float32Array);
  const bias = section(sections, 'weights.bias', Float32Array);
  const columns = vocabularyColumns(vocabulary);
  if (vocabulary.wordIdf.length !== vocabulary.wordIds.length || vocabulary.charIdf.length !== vocabulary.charIds.length
    || vocabulary.featureIdf?.length !== vocabulary.featureIds?.length) throw broken('idf and id sections differ in length');
  if (indptr.length !== columns + 1 || indptr[columns] !== weights.length || classIds.length !== weights.length) throw broken('weight sections do not match the vocabulary');
  if (bias.length !== classes) throw broken(`bias has ${bias.length} entries for ${classes} labels`);
  for (let j = 0; j < classIds.length; j++) if (classIds[j]! >= classes) throw broken(`weight ${j} names class ${classIds[j]}`);
  for (let f = 0; f < columns; f++) if (indptr[f]! > indptr[f + 1]!) throw broken(`weights.indptr decreases at column ${f}`);
  return new LinearClassifier({ labels: [...meta.labels], settings, vocabulary, weights: { indptr, classIds, weights, bias }, params: { ...meta.params }, temperature });
}
