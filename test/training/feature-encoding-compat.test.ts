import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { InputFeatures } from '../../src/core/artifact-format.js';
import type { FeatureCell } from '../../src/core/dataset.js';
import { loadModel } from '../../src/models/load-model.js';
import { composeFeatureInputs } from '../../src/serving/entity-features.js';
import { composeModelInputs } from '../../src/training/model-inputs.js';
import { currentInputFeatures, FEATURE_REPEAT, featureRepeat, textWithFeatures } from '../../src/text/feature-tokens.js';
import { tokens } from '../../src/text/tokenise.js';

/**
 * Models trained before tokens-v2 (by commit 3569901, with test/fixtures/features/*.json's recipe:
 * test/fixtures/features/make-fixture.mjs run on that commit's build) must load and answer exactly as they did:
 * their artifacts say tokens-v1, and every path that composes inputs (training's, eval/predict's,
 * serving's) must write one token per value for them, not tokens-v2's repeats.
 */
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/features/', import.meta.url));

interface Recorded {
  readonly labels: readonly string[];
  readonly inputFeatures: InputFeatures;
  readonly inputs: readonly string[];
  readonly queries: { readonly texts: readonly string[]; readonly features: Record<string, readonly FeatureCell[]> };
  readonly proba: readonly number[];
}

for (const kind of ['linear', 'fasttext']) {
  test(`a ${kind} model trained with tokens-v1 features loads and answers as it did when it was trained`, async () => {
    const recorded = JSON.parse(readFileSync(`${FIXTURES}${kind}-tokens-v1.json`, 'utf8')) as Recorded;
    const model = await loadModel(`${FIXTURES}${kind}-tokens-v1.lading`);
    const features = model.header.inputFeatures;
    assert.deepEqual(features, { columns: ['importer_history:top_chapter'], encoding: 'tokens-v1' });
    if (!features) return;
    const inputs = composeModelInputs(recorded.queries.texts, features, recorded.queries.features);
    assert.deepEqual(inputs, recorded.inputs, 'the same inputs as the code that trained it composed');
    // Serving composes through its own entry point; it must agree.
    const cells = recorded.queries.texts.map((_, i) => [recorded.queries.features['importer_history:top_chapter']![i]!]);
    const served = await composeFeatureInputs(features, recorded.queries.texts, cells.map(() => ({ importer: 'x' })), () => Promise.resolve(cells), () => {});
    assert.deepEqual(served.inputs, recorded.inputs);
    const proba = new Float32Array(inputs.length * model.header.labels.length);
    model.classifier.predictProba(inputs, proba);
    assert.deepEqual(Array.from(proba), recorded.proba, 'the same answers, to the bit');
  });
}

test('tokens-v2 writes `repeat` distinct whole tokens per value (one row each in fasttext, not one row counted r times); an unknown encoding is refused, not guessed', () => {
  const columns = ['importer_history:top_chapter'];
  const v1 = textWithFeatures('cotton shirts', { columns, encoding: 'tokens-v1' }, ['61']);
  const v2 = textWithFeatures('cotton shirts', { columns, encoding: 'tokens-v2', repeat: 3 }, ['61']);
  assert.ok(v2.startsWith('cotton shirts '), v2);
  const words = tokens(v2.slice('cotton shirts'.length).trim());
  assert.equal(words.length, 3, v2);
  assert.equal(new Set(words).size, 3, 'distinct tokens');
  assert.ok(words.every((w) => /^zf[0-9a-z]+$/.test(w)), v2);
  assert.ok(!words.includes(v1.slice('cotton shirts '.length)), 'not the tokens-v1 token');
  assert.equal(textWithFeatures('cotton shirts', { columns, encoding: 'tokens-v2', repeat: 3 }, [' 61 ']), v2, 'the same value, the same tokens');
  assert.notEqual(textWithFeatures('cotton shirts', { columns, encoding: 'tokens-v2', repeat: 3 }, ['73']), v2);
  assert.equal(textWithFeatures('cotton shirts', { columns, encoding: 'tokens-v2', repeat: 3 }, [null]), 'cotton shirts', 'no value: the text alone');
  assert.throws(() => featureRepeat({ columns, encoding: 'tokens-v3' as 'tokens-v2', repeat: 3 }), /tokens-v3/);
  assert.throws(() => featureRepeat({ columns, encoding: 'tokens-v2' }), /repeat/);
});

test('training writes tokens-v2 for linear models and tokens-v1 for the others (fasttext measured worse with v2)', () => {
  assert.deepEqual(currentInputFeatures(['v:a'], 'linear'), { columns: ['v:a'], encoding: 'tokens-v2', repeat: FEATURE_REPEAT });
  assert.deepEqual(currentInputFeatures(['v:a'], 'fasttext'), { columns: ['v:a'], encoding: 'tokens-v1' });
});
