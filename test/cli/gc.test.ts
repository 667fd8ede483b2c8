import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { verb as gc } from '../../src/cli/gc.js';
import { openEmbeddedWorkspace } from '../../src/platform/index.js';
import { runVerb } from '../helpers/run-cli.js';

test('lading gc: help promises only what exists; times are ISO 8601 UTC; --min-age 0 deletes the orphan', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-cli-gc-'));
  const home = join(dir, 'home');
  try {
    const help = await runVerb(gc, ['--help']);
    assert.equal(help.code, 0);
    assert.doesNotMatch(help.stdout, /`models` deletions/);
    const ws = openEmbeddedWorkspace(home);
    const orphan = await ws.artifacts.put(Buffer.from('nobody refers to me'));
    ws.close();
    const dry = await runVerb(gc, ['--dry-run', '--min-age', '0', '--home', home]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`${orphan.sha256.slice(0, 16)}.*\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{3})?Z.*kept-dry-run`));
    const swept = await runVerb(gc, ['--min-age', '0', '--home', home, '--json']);
    const report = JSON.parse(swept.stdout) as { deletedBytes: number; unreferenced: Array<{ outcome: string }> };
    assert.deepEqual([report.deletedBytes, report.unreferenced.map((u) => u.outcome)], [19, ['deleted']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
