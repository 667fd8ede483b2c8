import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeArtifact } from '../../../src/models/artifact.js';
import { nearDuplicateKey } from '../../../src/models/ensemble/near-duplicate-key.js';
import { loadModel } from '../../../src/models/load-model.js';
import { FEATURE_MARK, textWithFeatures } from '../../../src/text/feature-tokens.js';
import { runTraining } from '../../../src/training/train-run.js';
import { chapterFeatureRows } from '../../training/chapter-feature-rows.js';

test('the near-duplicate memory reads the text before the feature mark: the same goods of two importers are one line', () => {
  const features = { columns: ['history:top_chapter'], encoding: 'tokens-v2' as const };
  const a = textWithFeatures('70CTNS X 120 PCS PLASTIC CUPS', features, ['39']);
  const b = textWithFeatures('155 CTNS X 100 PCS PLASTIC CUPS', features, ['73']);
  assert.ok(a.includes(FEATURE_MARK));
  assert.equal(nearDuplicateKey(a), 'plastic cups');
  assert.equal(nearDuplicateKey(b), nearDuplicateKey(a));
});

test('an ensemble trained with entity features gives them to its members apart from the text (tokens-v2), and the value decides after a round trip', async () => {
  const trained = await runTraining({
    rows: chapterFeatureRows(), labelColumn: 'label', kind: 'ensemble', seed: 1, upsample: false, threads: 1, params: { folds: 2 }, validFraction: 0.2,
  });
  const inputFeatures = trained.meta.inputFeatures!;
  assert.equal(inputFeatures.encoding, 'tokens-v2');
  const decoded = decodeArtifact(trained.bytes, 'test');
  const linear = decodeArtifact(decoded.sections.get('member.0') as Uint8Array, 'member 0');
  assert.equal(linear.header.kind, 'linear');
  assert.ok(linear.sections.has('vocab.feature.ids'), 'the linear member has its feature block');
  const path = join(mkdtempSync(join(tmpdir(), 'lading-ensemble-features-')), 'm.lading');
  writeFileSync(path, trained.bytes);
  const { classifier } = await loadModel(path);
  const texts = ['goods lot 7', 'goods lot 7'].map((t, i) => textWithFeatures(t, inputFeatures, [i === 0 ? '61' : '73']));
  const proba = new Float32Array(2 * classifier.labels.length);
  classifier.predictProba(texts, proba);
  const best = (r: number) => classifier.labels[proba[r * 2]! > proba[r * 2 + 1]! ? 0 : 1];
  assert.deepEqual([best(0), best(1)], ['textiles', 'hardware']);
});
