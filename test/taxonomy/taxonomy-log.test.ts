import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { verb as deployVerb } from '../../src/cli/deploy.js';
import { verb as logVerb } from '../../src/cli/log.js';
import { verb as monitorVerb } from '../../src/cli/monitor.js';
import { startServingProcess, type ServingProcess } from '../../src/platform/index.js';
import { postFeedback, servingSettings } from '../monitoring/serving-fixture.js';
import { CORRELATION_CSV } from './hs-fixtures.js';
import { hsHomeWithModel, ok, trainOnHs2022 } from './hs-served-model.js';

/**
 * The prediction log under a remap: what went back to the caller (an HS 2022 code) is what feedback
 * in HS 2022 codes is compared with, for primary and shadow answers alike. Real servers over HTTP,
 * the real SQLite log, the CLI verbs a user runs.
 */
const dir = mkdtempSync(join(tmpdir(), 'lading-taxlog-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const hs = await hsHomeWithModel(dir);
const { home, model, goods, textsOf } = hs;
const HS2022 = hs.hs2022;
/** One-to-one and many-to-one rows of the fixture's table: the HS 2022 code a retired HS 2017 code became. */
const SUCCESSOR = new Map([['040310', '040320'], ['340220', '340250'], ['620119', '620190'], ['620199', '620190']]);
assert.ok(CORRELATION_CSV.includes('040310,040320'));

async function classify(url: string, texts: readonly string[], requestId: string): Promise<any[]> {
  const r = await fetch(`${url}/v1/models/hs:classify`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': requestId }, body: JSON.stringify({ texts }),
  });
  assert.equal(r.status, 200);
  return ((await r.json()) as { predictions: any[] }).predictions;
}

async function serveDeployment(): Promise<ServingProcess> {
  const p = await startServingProcess(servingSettings({ home, logFlushMs: 50 }), { deployments: ['hs'] });
  after(() => p.close());
  return p;
}

describe('the prediction log under a remap (model on HS 2017 codes, endpoint answering HS 2022)', () => {
  it('logs the answered code beside the model\'s own; feedback in HS 2022 codes gives the real accuracy of what was answered', async () => {
    await ok(deployVerb, ['set', 'hs', '--variant', `main=${model}`, '--remap', 'hs2017->hs2022', '--home', home]);
    const s = await serveDeployment();
    // Texts of retired codes (answered as their successors) and of codes HS 2022 kept, with their HS 2022 truth.
    const kept = [...new Set(goods.records.map((r) => r[goods.header.indexOf('label')]!))].filter((c) => HS2022.has(c)).slice(0, 6);
    const cases = [...SUCCESSOR.keys(), ...kept].flatMap((code) => textsOf(code).slice(0, 2).map((text) => ({ text, truth: SUCCESSOR.get(code) ?? code, old: code })));
    const answers = await classify(s.url, cases.map((c) => c.text), 'remap-1');
    const items = cases.map((c, position) => ({ requestId: 'remap-1', position, label: c.truth }));
    const fb = await postFeedback(s.url, { endpoint: 'hs', items });
    assert.equal(fb.status, 201, JSON.stringify(fb.body));
    // A label equal to the code the caller got is no new class, though the model never learnt that code.
    for (const i of fb.body['newClass'] as number[]) assert.notEqual(items[i]!.label, answers[i].label, `item ${i} flagged as a new class`);
    const renamedRight = cases.filter((c, i) => SUCCESSOR.has(c.old) && answers[i].label === c.truth).length;
    assert.ok(renamedRight >= 6, `the model answered ${renamedRight} of 8 retired-code texts with their successors`);
    await s.close();

    const report = JSON.parse(await ok(monitorVerb, ['report', '--endpoint', 'hs', '--home', home, '--json'])) as { realAccuracy: { overall: { labelled: number; correct: number; accuracy: number } } };
    const expected = cases.filter((c, i) => answers[i].label === c.truth).length;
    assert.equal(report.realAccuracy.overall.labelled, cases.length);
    // Compared with the model's own (HS 2017) labels, none of the retired-code texts would count.
    assert.equal(report.realAccuracy.overall.correct, expected);
    assert.ok(expected >= renamedRight + 8, `expected ${expected}`);

    const exported = (await ok(logVerb, ['export', '--endpoint', 'hs', '--since', '1h', '--home', home])).trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    assert.equal(exported.length, cases.length);
    exported.forEach((row, i) => {
      assert.equal(row['answered'], answers[i].label ?? '', `row ${i}: answered what went back`);
      if (SUCCESSOR.has(cases[i]!.old) && answers[i].label === cases[i]!.truth) assert.equal(row['label'], cases[i]!.old, 'the model\'s own label is kept');
    });
    const csv = (await ok(logVerb, ['export', '--endpoint', 'hs', '--since', '1h', '--format', 'csv', '--home', home])).trim().split('\n');
    assert.equal(csv[0]!.split(',').at(-1), 'answered');
    assert.equal(csv[1]!.split(',').at(-1), answers[0].label ?? '');
  });

  it('shadow variants answer through the same remap; a shadow trained on HS 2022 codes skips the table', async () => {
    const retrained = await trainOnHs2022(dir, hs);
    await ok(deployVerb, ['set', 'hs', '--mode', 'shadow', '--variant', `main=${model}`, '--variant', `same=${model}:0:shadow`,
      '--variant', `next=${retrained}:0:shadow`, '--remap', 'hs2017->hs2022', '--home', home]);
    const s = await serveDeployment();
    const texts = [...textsOf('040310').slice(0, 3), ...textsOf('620119').slice(0, 2), ...textsOf('940540').slice(0, 2)];
    const answers = await classify(s.url, texts, 'shadow-1');
    await s.plane.observersFlushed();
    while (s.plane.shadows.pending > 0) await new Promise((r) => setTimeout(r, 10));
    const records = s.plane.shadows.recent();
    const same = records.find((r) => r.variant === 'same')!;
    // The primary's answers as the caller got them ('' where the taxonomy sent the text to review).
    assert.deepEqual(same.primaryLabels, answers.map((a) => a.label ?? ''));
    assert.deepEqual(same.shadowLabels, same.primaryLabels, 'the same model behind the same table answers the same codes');
    assert.equal(same.agreement, 1);
    assert.ok(same.shadowLabels.includes('040320'));
    const next = records.find((r) => r.variant === 'next')!;
    for (const code of next.shadowLabels) assert.ok(HS2022.has(code), `the retrained shadow answered ${code}`);
    await s.plane.observersFlushed();
    await s.close();

    const shadowRows = (await ok(logVerb, ['export', '--endpoint', 'hs', '--since', '1h', '--shadow', '--home', home])).trim().split('\n')
      .map((l) => JSON.parse(l) as Record<string, any>).filter((r) => r['requestId'] === 'shadow-1');
    const rowsOf = (variant: string) => shadowRows.filter((r) => r['variant'] === variant).sort((a, b) => a['position'] - b['position']);
    assert.deepEqual(rowsOf('same').map((r) => r['answered']), same.shadowLabels);
    assert.ok(rowsOf('same').some((r) => r['label'] === '040310' && r['answered'] === '040320'));
    // A challenger trained on the new codes answers its own labels: the table is not applied to it.
    assert.deepEqual(rowsOf('next').map((r) => r['answered']), rowsOf('next').map((r) => r['label']));
    assert.deepEqual(rowsOf('next').map((r) => r['answered']), next.shadowLabels);
  });
});
