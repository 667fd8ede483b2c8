import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeArtifact } from '../../src/models/artifact.js';
import { buildVocabulary, LinearFeaturiser, vocabularyColumns } from '../../src/models/linear/featurise.js';
import { loadModel } from '../../src/models/load-model.js';
import { FEATURE_MARK, featureTokens, textWithFeatures } from '../../src/text/feature-tokens.js';
import { DEFAULT_NGRAMS, NgramHasher } from '../../src/text/ngram-hasher.js';
import { runTraining } from '../../src/training/train-run.js';
import { chapterFeatureRows } from './chapter-feature-rows.js';

const settings = { ...DEFAULT_NGRAMS, wordNgrams: 2, charMin: 2, charMax: 5 };

test('linear, tokens-v2: the feature tokens after the mark are a block of their own, one column a token, the text before it read as without features', () => {
  const columns = ['history:top_heading'];
  const texts = ['cotton shirts', 'steel screws', 'cotton shirts'].map((t, i) => textWithFeatures(t, { columns, encoding: 'tokens-v2' }, [i === 1 ? '7318' : '6109']));
  const hasher = new NgramHasher(settings);
  const withFeatures = buildVocabulary(texts, hasher, { minDfWord: 1, minDfChar: 1 });
  const textAlone = buildVocabulary(['cotton shirts', 'steel screws', 'cotton shirts'], hasher, { minDfWord: 1, minDfChar: 1 });
  // The word and char blocks are those of the texts alone: the tokens are not cut into n-grams nor paired with the last word.
  assert.deepEqual([...withFeatures.wordIds], [...textAlone.wordIds]);
  assert.deepEqual([...withFeatures.charIds], [...textAlone.charIds]);
  assert.equal(withFeatures.featureIds?.length, 2, 'two values, two columns');
  assert.equal(textAlone.featureIds, undefined, 'no features: no feature block');
  assert.equal(vocabularyColumns(withFeatures), vocabularyColumns(textAlone) + 2);

  const f = new LinearFeaturiser(settings, withFeatures);
  const plain = new LinearFeaturiser(settings, textAlone);
  const n = f.vectorise(texts[0]!, true);
  const m = plain.vectorise('cotton shirts', true);
  // The text's own columns and values are unchanged; one more column, the value's, with weight 1 (its block, l2-normalised).
  assert.deepEqual([...f.cols.subarray(0, m)], [...plain.cols.subarray(0, m)]);
  assert.deepEqual([...f.vals.subarray(0, m)], [...plain.vals.subarray(0, m)]);
  assert.equal(n, m + 1);
  assert.ok(f.cols[m]! >= vocabularyColumns(textAlone), 'in the feature block');
  assert.equal(f.vals[m], 1);
  // An unknown value adds nothing; a text without tokens reads as the text alone.
  assert.equal(f.vectorise(`cotton shirts${FEATURE_MARK}${featureTokens(columns, ['9999']).trim()}`), m);
  assert.equal(f.vectorise('cotton shirts'), m);
  // A model without a feature block reads a mark as it always did (not a token character).
  assert.equal(plain.vectorise(`cotton shirts${FEATURE_MARK}`), m);
});

test('a linear model trained with features keeps its feature block through its artifact, and explains with the value\'s token', async () => {
  const rows = chapterFeatureRows();
  const trained = await runTraining({ rows, labelColumn: 'label', kind: 'linear', seed: 1, upsample: false, threads: 1, params: {}, validFraction: 0.2 });
  const decoded = decodeArtifact(trained.bytes, 'test');
  assert.ok(decoded.sections.has('vocab.feature.ids') && decoded.sections.has('vocab.feature.idf'));
  const path = join(mkdtempSync(join(tmpdir(), 'lading-linear-features-')), 'm.lading');
  writeFileSync(path, trained.bytes);
  const { classifier } = await loadModel(path);
  const inputFeatures = trained.meta.inputFeatures!;
  const texts = ['goods lot 7', 'goods lot 7'].map((t, i) => textWithFeatures(t, inputFeatures, [i === 0 ? '61' : '73']));
  const proba = new Float32Array(2 * classifier.labels.length);
  classifier.predictProba(texts, proba);
  const best = (r: number) => classifier.labels[proba[r * 2]! > proba[r * 2 + 1]! ? 0 : 1];
  assert.deepEqual([best(0), best(1)], ['textiles', 'hardware'], 'the value decides, after a round trip through the artifact');
  const token = featureTokens(inputFeatures.columns, ['61']).trim();
  const why = classifier.explain(texts[0]!, classifier.labels.indexOf('textiles'), 3);
  assert.equal(why[0]?.feature, token, JSON.stringify(why));
});
