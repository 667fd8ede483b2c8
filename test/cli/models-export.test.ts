import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { verb as models } from '../../src/cli/models.js';
import { sha256Hex } from '../../src/core/hash.js';
import { runVerb } from '../helpers/run-cli.js';
import { writeSyntheticArtifact } from '../registry/models/fixtures.js';

test('models export NAME@REF --out PATH writes the registered bytes, verified, and refuses to overwrite without --force', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-cli-export-'));
  const home = ['--home', join(dir, 'home'), '--actor', 'ana'];
  try {
    const files = [1, 2].map((seed) => writeSyntheticArtifact(dir, seed));
    for (const file of files) assert.equal((await runVerb(models, ['register', 'hs-codes', file, ...home])).code, 0);
    assert.equal((await runVerb(models, ['approve', 'hs-codes', '1', ...home])).code, 0);
    assert.equal((await runVerb(models, ['alias', 'hs-codes', 'champion', '1', ...home])).code, 0);

    const outDir = join(dir, 'exported', 'deeper');
    const out = join(outDir, 'champion.lading');
    const r = await runVerb(models, ['export', 'hs-codes@champion', '--out', out, ...home]);
    assert.equal(r.code, 0, r.stderr);
    const sha1 = sha256Hex(readFileSync(files[0]!));
    assert.equal(r.stdout.trim(), `exported hs-codes@1 to ${out} (${readFileSync(files[0]!).length} bytes, sha256 ${sha1.slice(0, 16)}... verified)`);
    assert.equal(sha256Hex(readFileSync(out)), sha1);

    // An existing file is kept as it was, and nothing is left beside it.
    const refused = await runVerb(models, ['export', 'hs-codes@2', '--out', out, ...home]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /already exists; nothing was written/);
    assert.match(refused.stderr, /--force/);
    assert.equal(sha256Hex(readFileSync(out)), sha1);
    assert.deepEqual(readdirSync(outDir), ['champion.lading']);

    const forced = await runVerb(models, ['export', 'hs-codes@2', '--out', out, '--force', '--json', ...home]);
    assert.equal(forced.code, 0, forced.stderr);
    const sha2 = sha256Hex(readFileSync(files[1]!));
    assert.deepEqual(JSON.parse(forced.stdout), { model: 'hs-codes', version: 2, file: out, sha256: sha2, bytes: readFileSync(files[1]!).length });
    assert.equal(sha256Hex(readFileSync(out)), sha2);
    assert.deepEqual(readdirSync(outDir), ['champion.lading']);

    // Bad refs and a missing --out write nothing.
    const missing = join(dir, 'never.lading');
    for (const [argv, message] of [
      [['export', 'hs-codes@7', '--out', missing], /version 7/],
      [['export', 'nope@latest', '--out', missing], /nope/],
      [['export', 'hs-codes@1'], /--out is required/],
    ] as const) {
      const bad = await runVerb(models, [...argv, ...home]);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, message);
    }
    assert.equal(existsSync(missing), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('models register of a file whose bytes the model already has is refused naming the version; --force registers it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-cli-dupes-'));
  const home = ['--home', join(dir, 'home'), '--actor', 'ana'];
  try {
    const file = writeSyntheticArtifact(dir, 3);
    assert.equal((await runVerb(models, ['register', 'hs-codes', file, ...home])).code, 0);
    const copy = join(dir, 'copy.lading');
    writeFileSync(copy, readFileSync(file));
    const again = await runVerb(models, ['register', 'hs-codes', copy, ...home]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /^error: hs-codes already has these bytes as version 1 \(sha256 [0-9a-f]{16}\.\.\.\); nothing changed/);
    const history = async () => (JSON.parse((await runVerb(models, ['history', 'hs-codes', '--json', ...home])).stdout) as unknown[]).length;
    assert.equal(await history(), 1);
    const forced = await runVerb(models, ['register', 'hs-codes', copy, '--force', '--json', ...home]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal((JSON.parse(forced.stdout) as { version: number }).version, 2);
    assert.equal(await history(), 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
