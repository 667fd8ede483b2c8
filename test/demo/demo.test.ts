import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateInvoiceLines } from '../../src/demo/invoice-lines.js';

test('the invoice generator is seeded, skewed and HS-shaped', () => {
  const a = generateInvoiceLines({ rows: 3000, seed: 1 });
  assert.deepEqual(a, generateInvoiceLines({ rows: 3000, seed: 1 }));
  assert.notDeepEqual(a.slice(0, 20), generateInvoiceLines({ rows: 20, seed: 2 }));
  assert.ok(a.every((l) => /^\d{6}$/.test(l.label) && l.text.length > 0));
  const counts = new Map<string, number>();
  for (const l of a) counts.set(l.label, (counts.get(l.label) ?? 0) + 1);
  const sorted = [...counts.values()].sort((x, y) => y - x);
  assert.ok(sorted[0]! > 5 * sorted[sorted.length - 1]!, 'head class should dwarf the tail');
});

test('`lading demo` runs the loop end to end as a real process', () => {
  const home = join(mkdtempSync(join(tmpdir(), 'lading-demo-')), 'home');
  const r = spawnSync(process.execPath, ['bin/lading.js', 'demo', '--rows', '2500', '--home', home, '--json'], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    dataset: { id: string }; models: Array<{ kind: string; artifact: string; accuracy: number }>; predictions: Array<{ label: string; why: unknown[] }>;
    served: { url: string; rest: string; oip: string; metricLines: number }; next: string[];
  };
  assert.match(out.dataset.id, /^ds-/);
  assert.deepEqual(out.models.map((m) => m.kind), ['linear', 'fasttext']);
  for (const m of out.models) {
    assert.ok(existsSync(m.artifact));
    assert.ok(m.accuracy > 0.85, `${m.kind} accuracy ${m.accuracy}`);
  }
  assert.deepEqual(out.predictions.map((p) => p.label), ['392410', '401140', '841510']);
  assert.ok(out.predictions.every((p) => p.why.length > 0));
  // The served A/B endpoint answered both protocols from a registered, approved version.
  assert.match(out.served.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(out.served.rest, /"variant":"(champion|challenger)"/);
  assert.match(out.served.rest, /"label":"392410"/);
  assert.match(out.served.oip, /"id":"demo-1"/);
  assert.match(out.served.oip, /"data":\["841510"\]/);
  assert.ok(out.served.metricLines > 20);
  const lineage = spawnSync(process.execPath, ['bin/lading.js', 'models', 'lineage', 'invoice-hs', '1', '--home', home, '--json'], { encoding: 'utf8' });
  assert.equal(lineage.status, 0, lineage.stderr);
  assert.ok(lineage.stdout.includes(out.dataset.id));
  // The A/B deployment is stored, so the user goes on where the demo stopped.
  const deployments = spawnSync(process.execPath, ['bin/lading.js', 'deploy', 'list', '--home', home], { encoding: 'utf8' });
  assert.equal(deployments.status, 0, deployments.stderr);
  assert.match(deployments.stdout, /invoice-hs.*(champion|main)=invoice-hs@champion/);
  // The life story: the hasty candidate never reaches traffic; the retrained model went into a release.
  const life = (out as unknown as { life: { gated: Array<{ pipeline: string }>; releases: Array<{ status: string }> } }).life;
  assert.ok(life.gated.some((g) => g.pipeline === 'invoice-hs-hasty'), JSON.stringify(life));
  assert.ok(life.releases.length >= 1, JSON.stringify(life.releases));
  // Each printed next step runs as printed (after `npm ci` there is no `lading` on the PATH); serve would run until stopped.
  assert.ok(out.next.length >= 4 && out.next.every((c) => c.includes('node ./bin/lading.js ')), out.next.join('\n'));
  assert.ok(out.next.some((c) => / deploy list/.test(c)));
  for (const command of out.next.filter((c) => !/ serve /.test(c))) {
    const r = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${command}\n${r.stderr}`);
  }
});
