import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeSource, resolveSettings, type SettingFlags } from '../../src/config/load-settings.js';
import { SETTINGS, SETTING_KEYS } from '../../src/config/settings.js';
import { InputError } from '../../src/core/errors.js';

function project(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lading-config-'));
  writeFileSync(join(dir, 'lading.yaml'), yaml);
  return dir;
}

const resolveIn = (cwd: string, flags: SettingFlags = {}, env: Record<string, string> = {}) => resolveSettings({ flags, env, isTTY: false, cwd });

test('every setting has a type, a default, a doc line, and a flag or env var (the open sections: the file only)', () => {
  assert.deepEqual(SETTING_KEYS, ['home', 'threads', 'interactive', 'registryUrl', 'registrySchema', 'busUrl', 'onlineStoreUrl', 'streamUrl', 'port', 'host', 'workers', 'processes', 'maxDelayMs',
    'maxBodyKb', 'token', 'tokensFile', 'fourEyes', 'protectPredictions', 'pollMs', 'actor', 'log', 'logFlushMs', 'logQueueTexts', 'logRetentionDays', 'logRetentionRows', 'logText', 'logSample', 'reviewBelow',
    'targetPrecision', 'servingTaxonomy', 'servingRemap', 'monitor', 'monitorIntervalMs', 'controllerIntervalMs', 'alertWebhook', 'monitoring', 'pipelines', 'features']);
  for (const key of SETTING_KEYS) {
    const s = SETTINGS[key];
    assert.ok(s.doc.length > 10 && s.defaultText.length > 0, key);
    if (s.kind === 'section') assert.equal(s.env ?? s.flag, undefined, key);
    else assert.match(s.env ?? '', /^LADING_[A-Z_]+$/, key);
  }
});

test('precedence: flag > LADING_* env > lading.yaml > default, and each value says where it came from', () => {
  const dir = project('port: 9001\nhost: 0.0.0.0\npollMs: 250\nhome: work\n');
  const none = resolveIn(mkdtempSync(join(tmpdir(), 'lading-config-')));
  assert.equal(none.settings.port, 8080);
  assert.equal(none.projectFile, undefined);
  assert.equal(describeSource(none.sources.port), 'default');

  const file = resolveIn(dir);
  assert.equal(file.settings.port, 9001);
  assert.equal(file.settings.pollMs, 250);
  assert.equal(file.settings.home, join(dir, 'work'), 'relative paths in the file are taken from its folder');
  assert.equal(describeSource(file.sources.host), `${join(dir, 'lading.yaml')}:2:1`);

  const env = resolveIn(dir, {}, { LADING_PORT: '9002', LADING_ACTOR: 'erin', LADING_PROTECT_PREDICTIONS: 'yes' });
  assert.equal(env.settings.port, 9002);
  assert.equal(env.settings.actor, 'erin');
  assert.equal(env.settings.protectPredictions, true);
  assert.equal(describeSource(env.sources.port), 'env LADING_PORT');

  const flag = resolveIn(dir, { port: '9003', actor: 'fay', 'protect-predictions': false }, { LADING_PORT: '9002', LADING_ACTOR: 'erin', LADING_PROTECT_PREDICTIONS: 'yes' });
  assert.equal(flag.settings.port, 9003);
  assert.equal(flag.settings.actor, 'fay');
  assert.equal(flag.settings.protectPredictions, false);
  assert.equal(describeSource(flag.sources.port), 'flag --port');
  assert.equal(flag.settings.host, '0.0.0.0', 'what no flag or env sets still comes from the file');
});

test('the project file can be named by --project or LADING_PROJECT, and a named file must exist', () => {
  const dir = project('workers: 3\n');
  const elsewhere = mkdtempSync(join(tmpdir(), 'lading-config-'));
  assert.equal(resolveIn(elsewhere, { project: join(dir, 'lading.yaml') }).settings.workers, 3);
  assert.equal(resolveIn(elsewhere, {}, { LADING_PROJECT: join(dir, 'lading.yaml') }).settings.workers, 3);
  assert.throws(() => resolveIn(elsewhere, { project: 'missing.yaml' }),
    (e: unknown) => e instanceof InputError && e.code === 'missing-project-file' && e.facts['source'] === '--project');
});

test('the open sections pipelines and features are accepted as written', () => {
  const s = resolveIn(project('pipelines:\n  nightly:\n    kind: fasttext\nfeatures:\n  shipper: {ttl: 3600}\n')).settings;
  assert.deepEqual(s.pipelines, { nightly: { kind: 'fasttext' } });
  assert.deepEqual(s.features, { shipper: { ttl: 3600 } });
});

test('errors name the key and the source: the file with line and column, the variable, the flag', () => {
  const dir = project('# lading\nport: 8080\n\nthreads: 0\n');
  assert.throws(() => resolveIn(dir), (e: unknown) => e instanceof InputError && e.code === 'bad-setting'
    && e.message === `threads must be a whole number from 1 to 256, got 0 (from ${join(dir, 'lading.yaml')}:4:1)` && e.facts['key'] === 'threads');
  assert.throws(() => resolveIn(project('port: 8080\nport: 8081\n')), (e: unknown) => e instanceof InputError && e.code === 'bad-project-file'
    && e.facts['line'] === 2 && /lading\.yaml:2:1: Map keys must be unique$/.test(e.message));
  assert.throws(() => resolveIn(project('port: 8080\nprot: 9\n')), (e: unknown) => e instanceof InputError && e.code === 'unknown-setting'
    && /lading\.yaml:2:1: unknown setting "prot"/.test(e.message) && e.facts['line'] === 2 && e.facts['key'] === 'prot');
  assert.throws(() => resolveIn(project('- port\n')), (e: unknown) => e instanceof InputError && e.code === 'bad-project-file');
  assert.throws(() => resolveIn(project('pipelines: 3\n')), (e: unknown) => e instanceof InputError && /pipelines must be a mapping/.test(e.message));
  assert.throws(() => resolveIn(project(''), {}, { LADING_MAX_DELAY_MS: 'soon' }), (e: unknown) => e instanceof InputError
    && e.message === 'maxDelayMs must be milliseconds from 0 to 1000, got "soon" (from env LADING_MAX_DELAY_MS)');
  assert.throws(() => resolveIn(project(''), { 'registry-url': 'mysql://x' }), (e: unknown) => e instanceof InputError
    && /registryUrl must be a postgres:\/\/ URL, got \(hidden\) \(from flag --registry-url\)/.test(e.message));
  assert.equal(resolveIn(project('')).settings.token, undefined);
});

test('the monitoring section is checked for its shape, and locate() names the line of any part of it', () => {
  const dir = project("port: 9000\nmonitoring:\n  alerts:\n    - name: a\n      threshold: 3\n    - name: b\n      enabled: false\n");
  const r = resolveIn(dir);
  assert.deepEqual(r.settings.monitoring, { alerts: [{ name: 'a', threshold: 3 }, { name: 'b', enabled: false }] });
  const file = join(dir, 'lading.yaml');
  assert.equal(r.locate('monitoring', ['alerts', 0, 'threshold']), `${file}:5:18`);
  assert.equal(r.locate('monitoring', ['alerts', 1, 'metric']), `${file}:6:7`, 'a missing field points at its rule');
  assert.equal(r.locate('monitoring', []), `${file}:2:1`);
  assert.equal(resolveIn(dir, { port: '1' }).locate('port', []), undefined, 'a flag has no line');
  assert.deepEqual(resolveIn(project('home: x\n')).settings.monitoring, {}, 'absent: the default rules');
  assert.throws(() => resolveIn(project('monitoring:\n  alert: []\n')),
    (e: unknown) => e instanceof InputError && /monitoring must be a mapping with an `alerts:` list/.test(e.message) && /lading\.yaml:1:1/.test(e.message));
});

test('monitor settings: interval and webhook from flags, env and the file, checked', () => {
  const dir = project('monitorIntervalMs: 5000\nalertWebhook: https://hooks.example.com/x\n');
  const r = resolveIn(dir);
  assert.equal(r.settings.monitorIntervalMs, 5000);
  assert.equal(r.settings.alertWebhook, 'https://hooks.example.com/x');
  assert.equal(resolveIn(dir, { 'monitor-interval-ms': '250' }).settings.monitorIntervalMs, 250);
  assert.equal(resolveIn(dir, {}, { LADING_MONITOR: 'on' }).settings.monitor, true);
  assert.throws(() => resolveIn(dir, { 'alert-webhook': 'ftp://x' }), (e: unknown) => e instanceof InputError && /alertWebhook must be an http/.test(e.message));
  assert.throws(() => resolveIn(dir, { 'monitor-interval-ms': '5' }), (e: unknown) => e instanceof InputError && /monitorIntervalMs must be a whole number of milliseconds from 100/.test(e.message));
});

test('targetPrecision comes from a flag, LADING_TARGET_PRECISION or the lading.yaml key; outside (0, 1) or not a number it is refused naming where', () => {
  assert.equal(resolveIn(project('')).settings.targetPrecision, undefined);
  assert.equal(resolveIn(project('targetPrecision: 0.98\n')).settings.targetPrecision, 0.98);
  assert.equal(resolveIn(project('targetPrecision: 0.98\n'), { 'target-precision': '0.95' }).settings.targetPrecision, 0.95);
  const refused = (re: RegExp) => (e: unknown) => e instanceof InputError && e.code === 'bad-setting' && re.test(e.message) && e.facts['key'] === 'targetPrecision';
  assert.throws(() => resolveIn(project(''), { 'target-precision': '1.5' }),
    refused(/^targetPrecision must be a precision strictly between 0 and 1, e\.g\. 0\.98, got 1\.5 \(from flag --target-precision\)$/));
  assert.throws(() => resolveIn(project(''), { 'target-precision': '0' }), refused(/got 0 \(from flag --target-precision\)$/));
  assert.throws(() => resolveIn(project(''), {}, { LADING_TARGET_PRECISION: 'high' }), refused(/got "high" \(from env LADING_TARGET_PRECISION\)$/));
  const dir = project('port: 8080\ntargetPrecision: high\n');
  assert.throws(() => resolveIn(dir), refused(new RegExp(`got "high" \\(from ${join(dir, 'lading.yaml').replace(/[.\\/]/g, '\\$&')}:2:1\\)$`)));
});
