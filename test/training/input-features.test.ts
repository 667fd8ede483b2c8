import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArtifactError } from '../../src/core/errors.js';
import { decodeArtifact } from '../../src/models/artifact.js';
import { tokens } from '../../src/text/tokenise.js';
import { featureTokens, textWithFeatures } from '../../src/text/feature-tokens.js';
import { runTraining } from '../../src/training/train-run.js';
import { chapterFeatureRows } from './chapter-feature-rows.js';

test('feature tokens: one whole token per present value (letters and digits), numbers binned, nothing for null', () => {
  const columns = ['v:country', 'v:lines', 'v:share', 'v:repeat'];
  const one = featureTokens(columns, ['CN', 5, 0.3, true]);
  const words = tokens(one.trim());
  assert.equal(words.length, 4, one);
  assert.ok(words.every((w) => /^zf[0-9a-z]+$/.test(w)), one);
  assert.equal(featureTokens(columns, ['cn ', 6, 0.26, true]), one, 'same bin, same token (case and spaces of a category folded)');
  assert.notEqual(featureTokens(columns, ['CN', 8, 0.3, true]), one, '5 and 8 are in different log2 bins');
  assert.equal(featureTokens(columns, [null, null, null, null]), '');
  assert.equal(textWithFeatures('cotton shirts', { columns, encoding: 'tokens-v1' }, [null, null, null, null]), 'cotton shirts', 'no value: the text alone');
  // A model whose artifact names an encoding this lading does not know is refused, never fed other inputs.
  assert.throws(() => textWithFeatures('cotton shirts', { columns, encoding: 'tokens-v9' } as never, ['CN', 5, 0.3, true]),
    (e: unknown) => e instanceof ArtifactError && e.code === 'artifact-unknown-feature-encoding' && /encoded as tokens-v9; this lading reads tokens-v1 and tokens-v2/.test(e.message));
});

test('a training set with feature columns trains a model that reads them (recorded in the artifact); --no-features trains on the text alone', async () => {
  const rows = chapterFeatureRows();
  const options = { rows, labelColumn: 'label', kind: 'linear', seed: 1, upsample: false, threads: 1, params: {}, validFraction: 0.2 } as const;
  const withFeatures = await runTraining(options);
  assert.deepEqual(withFeatures.meta.inputFeatures, { columns: ['history:top_chapter'], encoding: 'tokens-v2' });
  assert.deepEqual(decodeArtifact(withFeatures.bytes, 'test').header.inputFeatures, withFeatures.meta.inputFeatures);
  assert.ok(withFeatures.report.accuracy > 0.95, `with the feature: ${withFeatures.report.accuracy}`);
  const textAlone = await runTraining({ ...options, features: false });
  assert.equal(textAlone.meta.inputFeatures, undefined);
  assert.ok(textAlone.report.accuracy < 0.7, `text alone: ${textAlone.report.accuracy}`);
  // The monitoring reference gets the texts as production sends them, without feature tokens.
  assert.ok(withFeatures.validation.texts.every((t) => /^goods lot \d+$/.test(t)), withFeatures.validation.texts[0]);
});
