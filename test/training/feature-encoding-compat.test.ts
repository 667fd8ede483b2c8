import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { InputFeatures } from '../../src/core/artifact-format.js';
import type { FeatureCell } from '../../src/core/dataset.js';
import { loadModel } from '../../src/models/load-model.js';
import { composeFeatureInputs } from '../../src/serving/entity-features.js';
import { composeModelInputs } from '../../src/training/model-inputs.js';
import { currentInputFeatures, textWithFeatures } from '../../src/text/feature-tokens.js';

/**
 * Models trained by an earlier lading (commit 3569901, with test/fixtures/features/make-fixture.mjs
 * run on that commit's build) must load and answer exactly as they did: every path that composes
 * inputs (training's, eval/predict's, serving's) must write the tokens they were trained on.
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

test('an input-features encoding this code does not know is refused, not guessed', () => {
  assert.throws(() => textWithFeatures('cotton shirts', { columns: ['v:a'], encoding: 'tokens-v9' as 'tokens-v1' }, ['61']), /tokens-v9/);
  assert.deepEqual(currentInputFeatures(['v:a']), { columns: ['v:a'], encoding: 'tokens-v1' });
});
