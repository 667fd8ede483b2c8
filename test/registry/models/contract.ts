import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ArtifactError, ConflictError, InputError, NotFoundError } from '../../../src/core/errors.js';
import { sha256Hex } from '../../../src/core/hash.js';
import { collectGarbage } from '../../../src/registry/collect-garbage.js';
import { registerArtifact } from '../../../src/registry/register-artifact.js';
import type { Workspace } from '../../../src/registry/workspace.js';
import { openFromSpec, type TestBackend } from './backends.js';
import { syntheticArtifact, writeSyntheticArtifact } from './fixtures.js';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

interface ChildResult { readonly code: number | null; readonly stdout: string; readonly stderr: string }

function runChild(args: readonly string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Everything a failed call must leave as it was. */
async function snapshot(ws: Workspace): Promise<string> {
  const models = await ws.listModels();
  const versions = await Promise.all(models.map((m) => ws.listModelVersions(m.name)));
  return JSON.stringify({ models, versions, audit: await ws.auditLog(), artifacts: await ws.artifacts.list() });
}

async function rejectsWith(p: Promise<unknown>, cls: new (...a: never[]) => Error, code?: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    if (code !== undefined) assert.equal((e as { code?: string }).code, code);
    return true;
  });
}

/**
 * The ModelRegistry contract, run against one back-end. `makeBackend` gives a fresh, empty one per
 * test (a temp folder, or a fresh PostgreSQL schema).
 */
export function modelRegistryContract(label: string, makeBackend: () => TestBackend): void {
  const withWorkspace = async (fn: (ws: Workspace, backend: TestBackend, dir: string) => Promise<void>) => {
    const backend = makeBackend();
    const dir = mkdtempSync(join(tmpdir(), 'lading-artifacts-'));
    const ws = await openFromSpec(backend.spec);
    try {
      await fn(ws, backend, dir);
    } finally {
      ws.close();
      rmSync(dir, { recursive: true, force: true });
      await backend.cleanup();
    }
  };

  const registerApproved = async (ws: Workspace, dir: string, name: string, seed: number, parent?: number) => {
    const v = await ws.registerModelVersion({ name, artifactPath: writeSyntheticArtifact(dir, seed), actor: 'ana', ...(parent ? { parentVersion: parent } : {}) });
    return ws.approveVersion({ name, version: v.version, actor: 'bo', reason: 'passed gates' });
  };

  describe(`model registry contract: ${label}`, () => {
    it('registers an artifact file: facts from its header, versions 1..N, bytes read back verified', () => withWorkspace(async (ws, _b, dir) => {
      const path = writeSyntheticArtifact(dir, 1);
      const v1 = await registerArtifact(ws, { name: 'hs-codes', artifactPath: path, actor: 'ana', tags: { team: 'customs' } });
      assert.equal(v1.version, 1);
      assert.equal(v1.model, 'hs-codes');
      assert.equal(v1.kind, 'linear');
      assert.deepEqual(v1.labels, ['3901', '3923', '8471']);
      assert.equal(v1.datasetId, 'ds-0123456789abcdef');
      assert.equal(v1.codeVersion, 'lading@0.1.0-test');
      assert.deepEqual(v1.params, { c: 1, seedUsed: 1 });
      assert.equal(v1.metrics['macroF1'], 0.4);
      assert.deepEqual(v1.tags, { team: 'customs' });
      assert.equal(v1.inputSchema.labelColumn, 'label');
      assert.equal(v1.inputSchema.inputs[0]?.datatype, 'BYTES');
      assert.equal(v1.registeredBy, 'ana');
      assert.equal(v1.parentVersion, null);
      assert.equal(v1.approval.status, 'pending');
      const fileBytes = readFileSync(path);
      assert.equal(v1.artifactSha256, sha256Hex(fileBytes));
      assert.equal(v1.artifactUri, `sha256:${v1.artifactSha256}`);
      assert.equal(v1.artifactBytes, fileBytes.length);
      assert.deepEqual(Buffer.from(await ws.readModelArtifact(v1)), fileBytes);

      const v2 = await registerArtifact(ws, { name: 'hs-codes', artifactPath: writeSyntheticArtifact(dir, 2), actor: 'ana', parent: 1 });
      assert.equal(v2.version, 2);
      assert.equal(v2.parentVersion, 1);
      assert.deepEqual((await ws.listModelVersions('hs-codes')).map((v) => v.version), [1, 2]);
      const [summary] = await ws.listModels();
      assert.equal(summary?.name, 'hs-codes');
      assert.equal(summary?.latestVersion, 2);
      assert.equal(summary?.versionCount, 2);
      const audit = await ws.auditLog({ model: 'hs-codes' });
      assert.deepEqual(audit.map((a) => [a.action, a.version, a.actor]), [['register', 1, 'ana'], ['register', 2, 'ana']]);
    }));

    it('resolves name, name@alias, name@N and name@latest', () => withWorkspace(async (ws, _b, dir) => {
      await registerApproved(ws, dir, 'm', 1);
      await registerApproved(ws, dir, 'm', 2);
      await ws.registerModelVersion({ name: 'm', artifactPath: writeSyntheticArtifact(dir, 3), actor: 'ana' });
      await ws.setAlias({ name: 'm', alias: 'champion', version: 1, actor: 'bo' });
      await ws.setAlias({ name: 'm', alias: 'canary-eu', version: 2, actor: 'bo' });
      assert.equal((await ws.resolveModel('m')).version, 1);
      assert.equal((await ws.resolveModel('m@champion')).version, 1);
      assert.equal((await ws.resolveModel('m@canary-eu')).version, 2);
      assert.equal((await ws.resolveModel('m@3')).version, 3);
      assert.equal((await ws.resolveModel('m@latest')).version, 3);
      await rejectsWith(ws.resolveModel('m@challenger'), NotFoundError, 'model-alias-not-found');
      await rejectsWith(ws.resolveModel('m@9'), NotFoundError, 'model-version-not-found');
      await rejectsWith(ws.resolveModel('nope@champion'), NotFoundError, 'model-not-found');
      await rejectsWith(ws.resolveModel('bad name@@'), InputError, 'bad-model-ref');
      const aliases = await ws.listAliases('m');
      assert.deepEqual(aliases.map((a) => [a.alias, a.version, a.servesTraffic]), [['canary-eu', 2, true], ['champion', 1, true]]);
    }));

    it('only approved versions behind traffic aliases; staging aliases take pending ones; no alias takes a rejected one', () => withWorkspace(async (ws, _b, dir) => {
      await ws.registerModelVersion({ name: 'm', artifactPath: writeSyntheticArtifact(dir, 1), actor: 'ana' });
      await ws.registerModelVersion({ name: 'm', artifactPath: writeSyntheticArtifact(dir, 2), actor: 'ana' });
      const before = await snapshot(ws);
      await rejectsWith(ws.setAlias({ name: 'm', alias: 'champion', version: 1, actor: 'bo' }), ConflictError, 'alias-to-unapproved-version');
      await rejectsWith(ws.setAlias({ name: 'm', alias: 'challenger', version: 1, actor: 'bo' }), ConflictError, 'alias-to-unapproved-version');
      assert.equal(await snapshot(ws), before, 'a refused alias move changes nothing, not even the audit log');
      const staged = await ws.setAlias({ name: 'm', alias: 'candidate', version: 1, actor: 'bo' });
      assert.equal(staged.alias.servesTraffic, false);
      assert.equal(staged.previousVersion, null);
      await rejectsWith(ws.rejectVersion({ name: 'm', version: 2, actor: 'bo' }), InputError, 'missing-reason');
      await ws.rejectVersion({ name: 'm', version: 2, actor: 'bo', reason: 'macro-F1 below gate' });
      const afterReject = await snapshot(ws);
      await rejectsWith(ws.setAlias({ name: 'm', alias: 'candidate', version: 2, actor: 'bo' }), ConflictError, 'alias-to-rejected-version');
      await rejectsWith(ws.setAlias({ name: 'm', alias: 'champion', version: 2, actor: 'bo' }), ConflictError, 'alias-to-rejected-version');
      // A version an alias points at cannot be rejected (move the alias first).
      await rejectsWith(ws.rejectVersion({ name: 'm', version: 1, actor: 'bo', reason: 'x' }), ConflictError, 'version-in-use');
      assert.equal(await snapshot(ws), afterReject);
      const approved = await ws.approveVersion({ name: 'm', version: 1, actor: 'cy', reason: 'gates passed' });
      assert.deepEqual([approved.approval.status, approved.approval.by, approved.approval.reason], ['approved', 'cy', 'gates passed']);
      await rejectsWith(ws.approveVersion({ name: 'm', version: 1, actor: 'cy' }), ConflictError, 'already-decided');
      const move = await ws.setAlias({ name: 'm', alias: 'champion', version: 1, actor: 'cy', reason: 'first release' });
      assert.equal(move.alias.version, 1);
      assert.ok(move.auditId !== null);
      const again = await ws.setAlias({ name: 'm', alias: 'champion', version: 1, actor: 'cy' });
      assert.equal(again.auditId, null, 'moving an alias where it already is writes nothing');
      const actions = (await ws.auditLog({ model: 'm' })).map((a) => a.action);
      assert.deepEqual(actions, ['register', 'register', 'alias-set', 'reject', 'approve', 'alias-set']);
    }));

    it('bad input gets a clear error and changes nothing', () => withWorkspace(async (ws, _b, dir) => {
      await registerApproved(ws, dir, 'm', 1);
      const before = await snapshot(ws);
      await rejectsWith(ws.getModelVersion('nope', 1), NotFoundError, 'model-not-found');
      await rejectsWith(ws.getModelVersion('m', 7), NotFoundError, 'model-version-not-found');
      await rejectsWith(ws.setAlias({ name: 'nope', alias: 'champion', version: 1, actor: 'a' }), NotFoundError, 'model-not-found');
      await rejectsWith(ws.setAlias({ name: 'm', alias: 'champion', version: 7, actor: 'a' }), NotFoundError, 'model-version-not-found');
      await rejectsWith(ws.setAlias({ name: 'm', alias: 'latest', version: 1, actor: 'a' }), InputError, 'bad-alias-name');
      await rejectsWith(ws.approveVersion({ name: 'm', version: 7, actor: 'a' }), NotFoundError, 'model-version-not-found');
      await rejectsWith(ws.rollbackAlias({ name: 'm', alias: 'champion', actor: 'a' }), NotFoundError, 'model-alias-not-found');
      await rejectsWith(ws.deleteAlias({ name: 'm', alias: 'champion', actor: 'a' }), NotFoundError, 'model-alias-not-found');
      await rejectsWith(ws.listModelVersions('nope'), NotFoundError, 'model-not-found');
      await rejectsWith(ws.lineage('m', 3), NotFoundError, 'model-version-not-found');
      // Malformed artifacts: garbage, truncated, corrupted payload; none reaches the store.
      const good = syntheticArtifact(5);
      const corrupt = Buffer.from(good);
      corrupt[corrupt.length - 1] = corrupt[corrupt.length - 1]! ^ 0xff;
      for (const [bytes, code] of [[Buffer.from('not a model at all'), 'artifact-not-lading'], [good.subarray(0, good.length - 8), 'artifact-truncated'], [corrupt, 'artifact-hash-mismatch']] as const) {
        await rejectsWith(ws.registerModelVersion({ name: 'm', artifactBytes: bytes, actor: 'a' }), ArtifactError, code);
      }
      const badPath = join(dir, 'bad.lading');
      writeFileSync(badPath, 'nope');
      await rejectsWith(registerArtifact(ws, { name: 'm', artifactPath: badPath, actor: 'a' }), ArtifactError, 'artifact-not-lading');
      await rejectsWith(registerArtifact(ws, { name: 'm', artifactPath: join(dir, 'missing.lading'), actor: 'a' }), NotFoundError);
      await rejectsWith(registerArtifact(ws, { name: 'm', artifactPath: writeSyntheticArtifact(dir, 6), actor: 'a', parent: 4 }), NotFoundError, 'model-version-not-found');
      await rejectsWith(registerArtifact(ws, { name: 'no good', artifactPath: writeSyntheticArtifact(dir, 7), actor: 'a' }), InputError, 'bad-model-name');
      await rejectsWith(registerArtifact(ws, { name: 'm', artifactPath: writeSyntheticArtifact(dir, 8), actor: ' ' }), InputError, 'missing-actor');
      assert.equal(await snapshot(ws), before);
    }));

    it('the same bytes again under one model are refused naming the version, change nothing; force or a deleted version lets them in', () => withWorkspace(async (ws) => {
      const bytes = syntheticArtifact(7);
      const sha = sha256Hex(bytes);
      await registerArtifact(ws, { name: 'm', artifactBytes: bytes, actor: 'ana' });
      const before = await snapshot(ws);
      await assert.rejects(registerArtifact(ws, { name: 'm', artifactBytes: Buffer.from(bytes), actor: 'bo', tags: { try: '2' } }), (e: unknown) => {
        assert.ok(e instanceof ConflictError, String(e));
        assert.equal(e.code, 'artifact-already-registered');
        assert.equal(e.message, `m already has these bytes as version 1 (sha256 ${sha.slice(0, 16)}...); nothing changed`);
        assert.deepEqual(e.facts, { model: 'm', version: 1, sha256: sha });
        return true;
      });
      assert.equal(await snapshot(ws), before, 'a refused registration changes nothing');
      // Another model may hold the same bytes: the rule is per model.
      assert.equal((await registerArtifact(ws, { name: 'other', artifactBytes: bytes, actor: 'ana' })).version, 1);
      const forced = await registerArtifact(ws, { name: 'm', artifactBytes: bytes, actor: 'bo', force: true, reason: 'rebuild on purpose' });
      assert.deepEqual([forced.version, forced.artifactSha256], [2, sha]);
      for (const version of [1, 2]) await ws.deleteModelVersion({ name: 'm', version, actor: 'bo', reason: 'cleanup' });
      assert.equal((await registerArtifact(ws, { name: 'm', artifactBytes: bytes, actor: 'ana' })).version, 3, 'deleted versions do not block the bytes');
    }));

    it('rollback walks the alias history back (it does not toggle) and is audited', () => withWorkspace(async (ws, _b, dir) => {
      for (const seed of [1, 2, 3]) await registerApproved(ws, dir, 'm', seed);
      for (const v of [1, 2, 3]) await ws.setAlias({ name: 'm', alias: 'champion', version: v, actor: 'bo' });
      const r1 = await ws.rollbackAlias({ name: 'm', alias: 'champion', actor: 'oncall', reason: 'error rate' });
      assert.deepEqual([r1.previousVersion, r1.alias.version], [3, 2]);
      const r2 = await ws.rollbackAlias({ name: 'm', alias: 'champion', actor: 'oncall' });
      assert.deepEqual([r2.previousVersion, r2.alias.version], [2, 1]);
      const before = await snapshot(ws);
      await rejectsWith(ws.rollbackAlias({ name: 'm', alias: 'champion', actor: 'oncall' }), ConflictError, 'nothing-to-roll-back');
      assert.equal(await snapshot(ws), before);
      const rollbacks = (await ws.auditLog({ model: 'm', alias: 'champion' })).filter((a) => a.action === 'rollback');
      assert.deepEqual(rollbacks.map((a) => [a.before, a.after, a.actor]), [[{ version: 3 }, { version: 2 }, 'oncall'], [{ version: 2 }, { version: 1 }, 'oncall']]);
      assert.equal(rollbacks[0]?.reason, 'error rate');
      // A new move after rollbacks: rolling back returns to where the alias was before it.
      await ws.setAlias({ name: 'm', alias: 'champion', version: 3, actor: 'bo' });
      assert.equal((await ws.rollbackAlias({ name: 'm', alias: 'champion', actor: 'oncall' })).alias.version, 1);
    }));

    it('changeMark moves with every change (register, approve, alias, rollback, delete), and not on a read or a refused change', () => withWorkspace(async (ws, _b, dir) => {
      const marks = [await ws.changeMark()];
      const moved = async (what: string) => {
        const m = await ws.changeMark();
        assert.ok(!marks.includes(m), `${what}: the mark moved`);
        marks.push(m);
      };
      await ws.registerModelVersion({ name: 'm', artifactPath: writeSyntheticArtifact(dir, 1), actor: 'ana' });
      await moved('register');
      await ws.approveVersion({ name: 'm', version: 1, actor: 'bo' });
      await moved('approve');
      await ws.setAlias({ name: 'm', alias: 'champion', version: 1, actor: 'bo' });
      await moved('alias');
      await registerApproved(ws, dir, 'm', 2);
      await ws.setAlias({ name: 'm', alias: 'champion', version: 2, actor: 'bo' });
      await ws.rollbackAlias({ name: 'm', alias: 'champion', actor: 'oncall' });
      await moved('rollback');
      await ws.deleteModelVersion({ name: 'm', version: 2, actor: 'bo', reason: 'superseded' });
      await moved('delete');
      await ws.listModelVersions('m');
      await rejectsWith(ws.approveVersion({ name: 'm', version: 1, actor: 'cy' }), ConflictError, 'already-decided');
      assert.equal(await ws.changeMark(), marks.at(-1), 'a read or a refused change leaves it');
    }));

    it('changeMark(model) moves with that model\'s changes only; the whole mark with every change', () => withWorkspace(async (ws, _b, dir) => {
      await registerApproved(ws, dir, 'm', 1);
      const m0 = await ws.changeMark('m');
      const all0 = await ws.changeMark();
      assert.equal(await ws.changeMark('nobody'), '0:0', 'a model without entries');
      await registerApproved(ws, dir, 'other', 2);
      await ws.setAlias({ name: 'other', alias: 'champion', version: 1, actor: 'bo' });
      assert.equal(await ws.changeMark('m'), m0, 'another model\'s register, approve and alias leave it');
      assert.notEqual(await ws.changeMark(), all0, 'the whole mark moved');
      await ws.setAlias({ name: 'm', alias: 'champion', version: 1, actor: 'bo' });
      const m1 = await ws.changeMark('m');
      assert.notEqual(m1, m0, 'an alias of m moved it');
      await ws.deleteAlias({ name: 'm', alias: 'champion', actor: 'bo' });
      assert.notEqual(await ws.changeMark('m'), m1, 'deleting it moved it again');
    }));

    it('the audit log cannot be edited, through the API or by SQL; versions cannot be rewritten', () => withWorkspace(async (ws, backend, dir) => {
      await registerApproved(ws, dir, 'm', 1);
      const before = await ws.auditLog();
      await assert.rejects(backend.rawExec(`UPDATE model_audit SET actor = 'mallory'`), /append-only/);
      await assert.rejects(backend.rawExec('DELETE FROM model_audit'), /append-only/);
      await assert.rejects(backend.rawExec(`UPDATE model_versions SET artifact_sha256 = 'x'`), /immutable/);
      await assert.rejects(backend.rawExec('DELETE FROM model_versions'), /(immutable|never deleted)/);
      assert.deepEqual(await ws.auditLog(), before);
      assert.equal(before.length, 2);
      assert.deepEqual(before.map((a) => a.action), ['register', 'approve']);
      assert.deepEqual(before[1]?.before, { status: 'pending', by: null, reason: null });
      assert.deepEqual(before[1]?.after, { status: 'approved', by: 'bo', reason: 'passed gates' });
      assert.ok(!Number.isNaN(Date.parse(before[0]!.at)));
      assert.equal((await ws.auditLog({ afterId: before[0]!.id })).length, 1);
    }));

    it('lineage: dataset, parent chain, children, and when each alias pointed at the version', () => withWorkspace(async (ws, _b, dir) => {
      await registerApproved(ws, dir, 'm', 1);
      await registerApproved(ws, dir, 'm', 2, 1);
      await registerApproved(ws, dir, 'm', 3, 2);
      await ws.setAlias({ name: 'm', alias: 'champion', version: 2, actor: 'bo' });
      await ws.setAlias({ name: 'm', alias: 'challenger', version: 3, actor: 'bo' });
      await ws.setAlias({ name: 'm', alias: 'champion', version: 3, actor: 'cy' });
      const l3 = await ws.lineage('m', 3);
      assert.equal(l3.datasetId, 'ds-0123456789abcdef');
      assert.deepEqual(l3.parents.map((p) => p.version), [2, 1]);
      assert.deepEqual(l3.children, []);
      assert.deepEqual(l3.aliasHistory.map((p) => [p.alias, p.until === null, p.movedBy]), [['challenger', true, 'bo'], ['champion', true, 'cy']]);
      const l2 = await ws.lineage('m', 2);
      assert.deepEqual(l2.children, [3]);
      assert.equal(l2.aliasHistory.length, 1);
      assert.equal(l2.aliasHistory[0]?.alias, 'champion');
      assert.ok(l2.aliasHistory[0]?.until !== null, 'champion left version 2');
    }));

    it('deleting a version: refused while aliased; then unresolvable, still in lineage, artifact collectable', () => withWorkspace(async (ws, _b, dir) => {
      await registerApproved(ws, dir, 'm', 1);
      await registerApproved(ws, dir, 'm', 2, 1);
      await ws.setAlias({ name: 'm', alias: 'champion', version: 1, actor: 'bo' });
      await rejectsWith(ws.deleteModelVersion({ name: 'm', version: 1, actor: 'bo', reason: 'x' }), ConflictError, 'version-in-use');
      const v2 = await ws.getModelVersion('m', 2);
      assert.deepEqual(await ws.listUnreferencedArtifacts(), []);
      await rejectsWith(ws.deleteModelVersion({ name: 'm', version: 2, actor: 'bo' }), InputError, 'missing-reason');
      const deleted = await ws.deleteModelVersion({ name: 'm', version: 2, actor: 'bo', reason: 'licence withdrawn' });
      assert.ok(deleted.deletedAt !== null);
      await rejectsWith(ws.resolveModel('m@2'), NotFoundError, 'model-version-deleted');
      assert.equal((await ws.resolveModel('m@latest')).version, 1);
      await rejectsWith(ws.setAlias({ name: 'm', alias: 'candidate', version: 2, actor: 'bo' }), ConflictError, 'alias-to-deleted-version');
      assert.deepEqual(await ws.listUnreferencedArtifacts(), [v2.artifactSha256]);
      const next = await registerApproved(ws, dir, 'm', 3);
      assert.equal(next.version, 3, 'deleted numbers are never reused');
      const last = (await ws.auditLog({ model: 'm', version: 2 })).at(-1);
      assert.deepEqual([last?.action, last?.reason], ['delete-version', 'licence withdrawn']);
    }));

    it('two processes opening a fresh back-end at once both migrate it without a race', { timeout: 30_000 }, async () => {
      const backend = makeBackend();
      try {
        const spec = JSON.stringify(backend.spec);
        const results = await Promise.all([runChild([spec, 'open', '0']), runChild([spec, 'open', '0']), runChild([spec, 'open', '0'])]);
        for (const r of results) assert.deepEqual([r.code, r.stdout.trim()], [0, '0'], r.stderr);
      } finally {
        await backend.cleanup();
      }
    });

    it('concurrent processes registering the same model get distinct, gapless versions', { timeout: 30_000 }, () => withWorkspace(async (ws, backend, dir) => {
      const spec = JSON.stringify(backend.spec);
      const startAt = String(Date.now() + 700);
      const [a, b] = await Promise.all([
        runChild([spec, 'register', 'race', dir, '8', '100', startAt]),
        runChild([spec, 'register', 'race', dir, '8', '200', startAt]),
      ]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      const got = [...(JSON.parse(a.stdout) as number[]), ...(JSON.parse(b.stdout) as number[])].sort((x, y) => x - y);
      assert.deepEqual(got, Array.from({ length: 16 }, (_, i) => i + 1));
      const versions = await ws.listModelVersions('race');
      assert.deepEqual(versions.map((v) => v.version), got);
      assert.equal(new Set(versions.map((v) => v.artifactSha256)).size, 16);
      const registered = (await ws.auditLog({ model: 'race' })).map((e) => e.version);
      assert.deepEqual(registered, got, 'one audit row per version, in version order');
    }));

    it('concurrent processes moving one alias: it ends at one of their values, every move audited in order', { timeout: 30_000 }, () => withWorkspace(async (ws, backend, dir) => {
      for (const seed of [1, 2, 3, 4]) await registerApproved(ws, dir, 'm', seed);
      const spec = JSON.stringify(backend.spec);
      const startAt = String(Date.now() + 700);
      const [a, b] = await Promise.all([
        runChild([spec, 'alias', 'm', 'champion', startAt, '1,3']),
        runChild([spec, 'alias', 'm', 'champion', startAt, '2,4']),
      ]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      const moves = (await ws.auditLog({ model: 'm', alias: 'champion' }));
      assert.equal(moves.length, 4, 'all four moves are in the audit log');
      assert.deepEqual(moves.map((m) => (m.after as { version: number }).version).sort(), [1, 2, 3, 4]);
      // The log is a consistent chain: each move starts where the previous one left the alias.
      for (let i = 1; i < moves.length; i++) assert.deepEqual(moves[i]!.before, moves[i - 1]!.after);
      const final = (await ws.resolveModel('m@champion')).version;
      assert.ok(final === 3 || final === 4, `final alias ${final} is one of the two processes' last values`);
      assert.deepEqual(moves.at(-1)!.after, { version: final });
    }));

    it('a process SIGKILLed between artifact and row leaves no version, and gc finds and removes the orphan', { timeout: 30_000 }, () => withWorkspace(async (ws, backend, dir) => {
      await registerApproved(ws, dir, 'm', 1);
      const path = writeSyntheticArtifact(dir, 42);
      const sha = sha256Hex(readFileSync(path));
      const child = spawn(process.execPath, [CHILD, JSON.stringify(backend.spec), 'register-pause', 'm', path], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const stored = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('\n')) resolve(out.trim()); });
        child.on('exit', (code) => reject(new Error(`child exited ${String(code)} before storing: ${stderr}`)));
      });
      assert.equal(stored, `stored ${sha}`);
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGKILL');
      await exited;
      assert.ok(await ws.artifacts.has(sha), 'the artifact was written');
      assert.deepEqual((await ws.listModelVersions('m')).map((v) => v.version), [1], 'no half version');
      assert.deepEqual(await ws.listUnreferencedArtifacts(), [sha]);
      const young = await collectGarbage(ws, { dryRun: false });
      assert.deepEqual(young.unreferenced.map((u) => [u.sha256, u.outcome]), [[sha, 'kept-young']], 'fresh orphans are spared by default');
      const dry = await collectGarbage(ws, { dryRun: true, minAgeMs: 0 });
      assert.deepEqual(dry.unreferenced.map((u) => [u.sha256, u.outcome]), [[sha, 'kept-dry-run']]);
      assert.ok(await ws.artifacts.has(sha));
      const swept = await collectGarbage(ws, { dryRun: false, minAgeMs: 0 });
      assert.deepEqual(swept.unreferenced.map((u) => [u.sha256, u.outcome]), [[sha, 'deleted']]);
      assert.equal(await ws.artifacts.has(sha), false);
      // The registry is not left locked: the next registration goes through as version 2.
      assert.equal((await registerArtifact(ws, { name: 'm', artifactPath: path, actor: 'ana' })).version, 2);
      assert.deepEqual(await ws.listUnreferencedArtifacts(), []);
    }));
  });
}
