import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { makeContext } from '../../src/cli/context.js';
import { verb as gc } from '../../src/cli/gc.js';
import { verb as models } from '../../src/cli/models.js';
import type { Verb } from '../../src/cli/context.js';
import { fitDecisionPolicy, readDecisionEvidence } from '../../src/core/decision-policy.js';
import { readArtifactFile } from '../../src/models/artifact.js';
import type { DecisionCheck } from '../../src/training/decision-check.js';
import { writeSyntheticArtifact } from '../registry/models/fixtures.js';
import { trainFixtureModels } from '../serving/fixtures.js';

async function run(v: Verb, argv: string[]): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const ctx = makeContext({ argv, stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: {}, isTTY: false, signal: new AbortController().signal });
  const code = await v.run(ctx);
  return { code, out };
}

test('lading models: register, approve, alias, rollback, history and lineage as JSON; gc finds nothing to collect', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-cli-models-'));
  const home = ['--home', join(dir, 'home'), '--actor', 'ana'];
  try {
    for (const seed of [1, 2]) {
      const r = await run(models, ['register', 'hs-codes', writeSyntheticArtifact(dir, seed), '--tag', 'team=customs', '--json', ...home]);
      assert.equal((JSON.parse(r.out) as { version: number }).version, seed);
    }
    await run(models, ['approve', 'hs-codes', '1', ...home]);
    await run(models, ['approve', 'hs-codes', '2', '--reason', 'gates', ...home]);
    await run(models, ['alias', 'hs-codes', 'champion', '1', ...home]);
    await run(models, ['alias', 'hs-codes', 'champion', '2', ...home]);
    const back = JSON.parse((await run(models, ['rollback', 'hs-codes', '--reason', 'errors', '--json', ...home])).out) as { alias: { version: number } };
    assert.equal(back.alias.version, 1);
    const shown = JSON.parse((await run(models, ['show', 'hs-codes@champion', '--json', ...home])).out) as { version: number; tags: Record<string, string> };
    assert.deepEqual([shown.version, shown.tags], [1, { team: 'customs' }]);
    const history = JSON.parse((await run(models, ['history', 'hs-codes', '--json', ...home])).out) as Array<{ action: string; actor: string }>;
    assert.deepEqual(history.map((h) => h.action), ['register', 'register', 'approve', 'approve', 'alias-set', 'alias-set', 'rollback']);
    assert.ok(history.every((h) => h.actor === 'ana'));
    const lineage = JSON.parse((await run(models, ['lineage', 'hs-codes', '1', '--json', ...home])).out) as { aliasHistory: unknown[] };
    assert.equal(lineage.aliasHistory.length, 2);
    const listed = (await run(models, ['list', ...home])).out;
    assert.match(listed, /hs-codes\s+2\s+2\s+champion=1/);
    const swept = JSON.parse((await run(gc, ['--dry-run', '--min-age', '0', '--json', '--home', join(dir, 'home')])).out) as { unreferenced: unknown[]; storedArtifacts: number };
    assert.deepEqual([swept.unreferenced.length, swept.storedArtifacts], [0, 2]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lading models show NAME@REF: the expected automation rate at the asked target from the version\'s stored validation rows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-cli-models-decide-'));
  const home = ['--home', join(dir, 'home'), '--actor', 'ana'];
  try {
    const fx = await trainFixtureModels();
    await run(models, ['register', 'hs', fx.a, ...home]);
    await run(models, ['register', 'hs', writeSyntheticArtifact(dir, 1), ...home]);
    const shown = JSON.parse((await run(models, ['show', 'hs@1', '--json', ...home])).out) as { decision: DecisionCheck[]; decisionSource: { fittedOn: string; folds: number } };
    assert.deepEqual(shown.decision.map((d) => d.target), [0.95, 0.98, 0.99]);
    assert.deepEqual([shown.decisionSource.fittedOn, shown.decisionSource.folds], ['cross-fit', 5], 'where the thresholds come from');
    const a = readArtifactFile(fx.a);
    const evidence = readDecisionEvidence(a.header, a.sections)!;
    assert.equal(shown.decision[0]!.expectedCoverage, fitDecisionPolicy(evidence, a.header.labels.length, 0.95).expectedCoverage);
    const text = (await run(models, ['show', 'hs@1', '--target-precision', '0.9', ...home])).out;
    assert.match(text, /Decide or route \(per-class thresholds fitted on \d+ rows: \d+ training rows scored out of 5 folds and \d+ validation rows\):\n {2}target 0\.9: expected \d+\.\d% automated at \d+\.\d% precision \(/);
    const old = JSON.parse((await run(models, ['show', 'hs@2', '--json', ...home])).out) as { decision: unknown };
    assert.equal(old.decision, null, 'an artifact without the rows says so');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
