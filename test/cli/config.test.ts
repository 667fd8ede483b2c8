import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SETTINGS, SETTING_KEYS } from '../../src/config/settings.js';
import { verb as config } from '../../src/cli/config.js';
import { makeContext } from '../../src/cli/context.js';
import { PassThrough } from 'node:stream';

async function show(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const ctx = makeContext({ argv, stdout, stderr: new PassThrough(), stdin: new PassThrough(), env, isTTY: false, signal: new AbortController().signal, cwd });
  return { code: await config.run(ctx), out };
}

test('lading config show: every effective setting, its value and where it came from; secrets redacted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-config-show-'));
  writeFileSync(join(dir, 'lading.yaml'), 'port: 9100\ntoken: file-secret\nregistryUrl: postgres://u:pw@db:5432/x\n');
  const r = await show(['show', '--json', '--workers', '3'], { LADING_HOST: '0.0.0.0', LADING_ALERT_WEBHOOK: 'https://hooks.example.com/T0/B0/secret' }, dir);
  assert.equal(r.code, 0);
  const body = JSON.parse(r.out) as { projectFile: string; settings: Array<{ key: string; value: unknown; source: string }> };
  const at = (key: string) => body.settings.find((s) => s.key === key)!;
  assert.equal(body.projectFile, join(dir, 'lading.yaml'));
  assert.deepEqual(at('port'), { key: 'port', value: 9100, source: `${join(dir, 'lading.yaml')}:1:1` });
  assert.deepEqual(at('host'), { key: 'host', value: '0.0.0.0', source: 'env LADING_HOST' });
  assert.deepEqual(at('workers'), { key: 'workers', value: 3, source: 'flag --workers' });
  assert.deepEqual(at('pollMs'), { key: 'pollMs', value: 250, source: 'default' });
  assert.equal(at('token').value, '***');
  assert.equal(at('registryUrl').value, 'postgres://u:***@db:5432/x');
  assert.ok(!r.out.includes('file-secret') && !r.out.includes(':pw@'));
  assert.equal(at('alertWebhook').value, '***', 'a webhook URL often carries its credential');
  assert.deepEqual(at('monitorIntervalMs'), { key: 'monitorIntervalMs', value: 30000, source: 'default' });
  assert.equal(body.settings.length, SETTING_KEYS.length);

  const text = await show(['show'], {}, dir);
  assert.match(text.out, /^port +9100 +.*lading\.yaml:1:1$/m);
  assert.match(text.out, /^token +\*\*\* +/m);
});

test('the README\'s Settings table lists every setting with its flag, variable and default', () => {
  const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
  const section = readme.slice(readme.indexOf('## Settings'), readme.indexOf('## Model artifacts'));
  for (const key of SETTING_KEYS) {
    const s = SETTINGS[key];
    const row = `| \`${key}\` | ${s.flag ? `\`${s.flag}\`` : '-'} | ${s.env ? `\`${s.env}\`` : '-'} | ${s.defaultText} |`;
    assert.ok(section.includes(row), `README lacks ${row}`);
  }
});

test('lading config show lists the alert rules in force (defaults changed by lading.yaml) and refuses a bad rule naming its line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-config-alerts-'));
  writeFileSync(join(dir, 'lading.yaml'), 'monitoring:\n  alerts:\n    - name: drift\n      metric: drift_score\n      window: 2000\n      comparison: ">"\n      threshold: 1.5\n    - name: log-drops\n      enabled: false\n');
  const r = await show(['show', '--json'], {}, dir);
  assert.equal(r.code, 0);
  const rules = (JSON.parse(r.out) as { alertRules: Array<{ name: string; window: string; threshold: number }> }).alertRules;
  assert.deepEqual(rules.find((x) => x.name === 'drift'), { ...rules.find((x) => x.name === 'drift'), window: '2000', threshold: 1.5 });
  assert.equal(rules.some((x) => x.name === 'log-drops'), false, 'switched off');
  assert.ok(rules.some((x) => x.name === 'latency-p99'), 'the other defaults stay');
  const text = await show(['show'], {}, dir);
  assert.match(text.out, /^drift +drift_score > 1\.5 +2000 /m);

  writeFileSync(join(dir, 'lading.yaml'), 'monitoring:\n  alerts:\n    - name: slow\n      metric: latency_p99_ms\n      window: 5m\n      comparison: ">"\n      threshold: fast\n');
  await assert.rejects(show(['show'], {}, dir), (e: Error) => /lading\.yaml:7:\d+: monitoring\.alerts\[0\]\.threshold/.test(e.message));
});
