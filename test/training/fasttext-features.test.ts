import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DatasetRows } from '../../src/core/dataset.js';
import { LadingError } from '../../src/core/errors.js';
import { decodeArtifact } from '../../src/models/artifact.js';
import { FastTextClassifier, fastTextKind } from '../../src/models/fasttext/index.js';
import { modelFromArtifact } from '../../src/models/load-model.js';
import { FEATURE_MARK, textWithFeatures } from '../../src/text/feature-tokens.js';
import { runTraining } from '../../src/training/train-run.js';

/**
 * The text says nothing (each text comes once with each of four labels); the importer's chapter
 * says everything. Beside it, values that every row shares or a third of rows share (a flag, a
 * segment, a country, a number with few bins): with these, fasttext's training diverged at its
 * default lr while it read feature tokens as words of the text (featureWeight 0 still does).
 */
function rows(n: number): DatasetRows {
  const labels = ['textiles', 'hardware', 'toys', 'paper'];
  const chapters = ['61', '73', '95', '48'];
  const columns: Record<string, (i: number) => string | number | boolean> = {
    'history:top_chapter': (i) => chapters[i % 4]!,
    'history:active': () => true,
    'history:lines': (i) => 4 + (i % 3),
    'history:country': (i) => ['CN', 'DE', 'US'][i % 3]!,
    'history:segment': () => 'retail',
  };
  return {
    textColumn: 'text', labelColumns: ['label'],
    texts: Array.from({ length: n }, (_, i) => `goods lot ${Math.floor(i / 4)} pcs`),
    labels: { label: Array.from({ length: n }, (_, i) => labels[i % 4]!) },
    featureColumns: Object.keys(columns),
    features: Object.fromEntries(Object.entries(columns).map(([c, value]) => [c, Array.from({ length: n }, (_, i) => value(i))])),
  };
}

const options = { rows: rows(2000), labelColumn: 'label', kind: 'fasttext', seed: 1, upsample: false, threads: 2, params: {}, validFraction: 0.2, decisionFolds: 0 } as const;

test('fasttext learns a label that an entity feature decides, at its default lr, and the text alone cannot', async () => {
  const withFeatures = await runTraining(options);
  // Read as words of the text (as before tokens-v2), the same training diverges.
  await assert.rejects(runTraining({ ...options, params: { featureWeight: 0 } }), (e: unknown) => e instanceof LadingError && e.code === 'training-diverged');
  assert.deepEqual(withFeatures.meta.inputFeatures?.encoding, 'tokens-v2', 'fasttext reads features apart from the text');
  assert.ok(withFeatures.report.accuracy >= 0.95, `with the features: ${withFeatures.report.accuracy}`);
  // The explanation names the feature that decided, not the text's n-grams.
  const input = textWithFeatures('goods lot 3 pcs', withFeatures.meta.inputFeatures!, ['95', true, 5, 'DE', 'retail']);
  const proba = new Float32Array(4);
  withFeatures.classifier.predictProba([input], proba);
  assert.equal(withFeatures.meta.labels[proba.indexOf(Math.max(...proba))], 'toys');
  const top = withFeatures.classifier.explain?.(input, withFeatures.meta.labels.indexOf('toys'), 1)[0];
  assert.match(top?.feature ?? '', /^zf/, JSON.stringify(top));
  // The feature values' class scores travel in the artifact: loaded back, the model answers the same.
  const loaded = await modelFromArtifact('test', decodeArtifact(withFeatures.bytes, 'test'));
  const again = new Float32Array(4);
  loaded.classifier.predictProba([input], again);
  assert.deepEqual(again, proba);
  const textAlone = await runTraining({ ...options, features: false });
  assert.ok(textAlone.report.accuracy <= 0.7, `text alone: ${textAlone.report.accuracy}`);
});

test('tokens-v2 puts the feature tokens after a mark (none without a value); tokens-v1 is unchanged', () => {
  const columns = ['history:top_chapter'];
  const v2 = textWithFeatures('cotton shirts', { columns, encoding: 'tokens-v2' }, ['61']);
  const v1 = textWithFeatures('cotton shirts', { columns, encoding: 'tokens-v1' }, ['61']);
  assert.equal(v2, v1.replace(' zf', `${FEATURE_MARK} zf`));
  assert.equal(textWithFeatures('cotton shirts', { columns, encoding: 'tokens-v2' }, [null]), 'cotton shirts', 'no value: the text alone');
  assert.equal(textWithFeatures(`a${FEATURE_MARK}b`, { columns, encoding: 'tokens-v2' }, ['61']).indexOf(FEATURE_MARK), 3, "a mark in the text is not taken for the features'");
});

test('a fasttext artifact from before featureWeight loads reading feature tokens as words, as it was trained', async () => {
  const small = { ...options, rows: rows(200), params: { dim: 8, buckets: 4096, epochs: 2, featureWeight: 0 } };
  const asWords = await runTraining(small);
  const s = asWords.classifier.serialise();
  const { featureWeight: _dropped, ...before } = s.params;
  const loaded = fastTextKind.load({ ...asWords.meta, params: before }, new Map(s.sections));
  assert.ok(loaded instanceof FastTextClassifier && loaded.params.featureWeight === 0);
  // Written the old way (tokens-v1) or with the mark (tokens-v2), such a model reads the same words.
  const cells = (i: number) => ['61', true, 4 + (i % 3), 'CN', 'retail'];
  const columns = asWords.meta.inputFeatures!.columns;
  const v1 = small.rows.texts.slice(0, 8).map((t, i) => textWithFeatures(t, { columns, encoding: 'tokens-v1' }, cells(i)));
  const v2 = small.rows.texts.slice(0, 8).map((t, i) => textWithFeatures(t, { columns, encoding: 'tokens-v2' }, cells(i)));
  const a = new Float32Array(v1.length * 4);
  const b = new Float32Array(v2.length * 4);
  loaded.predictProba(v1, a);
  loaded.predictProba(v2, b);
  assert.deepEqual(b, a);
});
