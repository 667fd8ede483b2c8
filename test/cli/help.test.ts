import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TAGLINE, topLevelHelp, VERBS } from '../../src/cli/verbs.js';

const BIN = fileURLToPath(new URL('../../../bin/lading.js', import.meta.url));

test('every verb the help names exists: the tagline and each `lading VERB` in any help text', async () => {
  const tagged = /^lading: (.*) short-text/.exec(TAGLINE)?.[1]?.split(/,\s*|\s+and\s+/) ?? [];
  assert.ok(tagged.length >= 3, TAGLINE);
  for (const word of tagged) assert.ok(word in VERBS, `the tagline names "${word}", which is no verb`);
  const texts = [await topLevelHelp()];
  for (const load of Object.values(VERBS)) texts.push((await load()).verb.help);
  for (const text of texts) {
    for (const m of text.matchAll(/(?:`|^\s*|Usage: )lading ([a-z][a-z-]*)/gm)) assert.ok(m[1]! in VERBS, `help names \`lading ${m[1]}\`, which is no verb`);
  }
  const shown = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
  assert.equal(shown.status, 0);
  assert.ok(shown.stdout.startsWith(TAGLINE));
  for (const verb of Object.keys(VERBS)) assert.match(shown.stdout, new RegExp(`^  ${verb} `, 'm'));
  assert.doesNotMatch(shown.stdout, /watch/);
});

test('an unknown or malformed flag is named in lading\'s words, with the verb\'s options and a pointer to --help', () => {
  const r = spawnSync(process.execPath, [BIN, 'data', 'list', '--x'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^error: lading data list: unknown option --x; the options are --json, --help, --home VALUE/);
  assert.match(r.stderr, /hint: Run `lading data list --help`\./);
  assert.doesNotMatch(r.stderr, /Unknown option '|To specify a positional/);
  const missing = spawnSync(process.execPath, [BIN, 'serve', '--port'], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^error: lading serve: --port needs a value/);
  const extra = spawnSync(process.execPath, [BIN, 'serve', 'model.lading'], { encoding: 'utf8' });
  assert.match(extra.stderr, /^error: lading serve: unexpected argument "model.lading" \(this verb takes only options\)/);
});
