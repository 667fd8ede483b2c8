import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runDomainClassifier, type DomainRows } from '../../../src/monitoring/drift/domain-classifier.js';
import { DRIFT_DEFAULTS } from '../../../src/monitoring/drift/drift-defaults.js';
import { computeTextStats } from '../../../src/monitoring/text-stats.js';
import { generateTexts } from './synthetic-traffic.js';

function rows(texts: string[]): DomainRows {
  return { hashes: texts.map((t) => computeTextStats(t).tokenHashes), texts };
}

describe('runDomainClassifier', () => {
  const reference = rows(generateTexts(2000, 1).texts);

  it('cannot tell two samples of the same traffic apart: AUC near 0.5, no drift', () => {
    const r = runDomainClassifier(reference, rows(generateTexts(2000, 2).texts), DRIFT_DEFAULTS);
    assert.ok(Math.abs(r.auc - 0.5) < 0.05, `auc ${r.auc}`);
    assert.equal(r.drift, false);
    assert.equal(r.threshold, 0.55);
    assert.equal(r.permutationAuc, null, 'a 2,000-row window is not small');
  });

  it('separates a window with new packaging words and names them, with example texts', () => {
    const packaging = ['palletised', 'shrinkwrapped', 'overwrapped'];
    const current = rows(generateTexts(2000, 3, { extraWords: packaging, extraShare: 0.3 }).texts);
    const r = runDomainClassifier(reference, current, DRIFT_DEFAULTS);
    assert.ok(r.auc > 0.6, `auc ${r.auc}`);
    assert.equal(r.drift, true);
    const named = r.currentTokens.slice(0, 3).map((t) => t.token).sort();
    assert.deepEqual(named, [...packaging].sort());
    for (const t of r.currentTokens.slice(0, 3)) {
      assert.ok(t.weight > 0 && t.currentShare > 0.05 && t.baselineShare === 0, JSON.stringify(t));
    }
    assert.ok(r.currentExamples.length > 0);
    assert.ok(r.currentExamples.every((e) => packaging.some((w) => e.text.includes(w))), JSON.stringify(r.currentExamples));
  });

  it('names hashes without texts by the known-token map, else as #hex', () => {
    const current = generateTexts(1500, 4, { extraWords: ['palletised'], extraShare: 0.5 }).texts;
    const withoutTexts: DomainRows = { hashes: current.map((t) => computeTextStats(t).tokenHashes), texts: current.map(() => null) };
    const refNoTexts: DomainRows = { hashes: reference.hashes, texts: reference.texts.map(() => null) };
    const r = runDomainClassifier(refNoTexts, withoutTexts, DRIFT_DEFAULTS);
    assert.match(r.currentTokens[0]!.token, /^#[0-9a-f]{8}$/);
    const hash = r.currentTokens[0]!.hash;
    const named = runDomainClassifier(refNoTexts, withoutTexts, DRIFT_DEFAULTS, new Map([[hash, 'palletised']]));
    assert.equal(named.currentTokens[0]!.token, 'palletised');
    assert.deepEqual(named.currentExamples, []);
  });

  it('raises the threshold to the shuffled-label 95th percentile for small windows', () => {
    const small = rows(generateTexts(60, 5).texts);
    const r = runDomainClassifier(reference, small, DRIFT_DEFAULTS);
    assert.notEqual(r.permutationAuc, null);
    assert.ok(r.threshold >= 0.55 && r.threshold >= r.permutationAuc!);
    assert.ok(r.permutationAuc! > 0.55, `with 30 held-out current rows chance AUCs reach ${r.permutationAuc}`);
    assert.equal(r.drift, false);
  });

  it('is deterministic for the same inputs', () => {
    const current = rows(generateTexts(500, 6).texts);
    assert.deepEqual(runDomainClassifier(reference, current, DRIFT_DEFAULTS), runDomainClassifier(reference, current, DRIFT_DEFAULTS));
  });
});
