import type Database from 'better-sqlite3';
import { NotFoundError } from '../../core/errors.js';
import {
  aliasPeriods, artifactUri, checkAliasChange, checkAliasTarget, checkDecision, checkDeletable, checkModelName,
  checkVersionChange, checkVersionNumber, deletedVersion, nothingToRollBack, parseModelRef, requireReason, rollbackTarget, unknownAlias,
  unknownModel, unknownVersion,
} from '../model-rules.js';
import {
  ALIAS_ACTIONS_SQL, approvalState, toAliasRecord, toAuditEntry, VersionRecordCache, type AliasRow, type AuditRow, type VersionRow,
} from '../model-record-mapping.js';
import type {
  AliasChange, AliasMove, AliasRecord, ApprovalStatus, AuditAction, AuditEntry, AuditQuery, ModelLineage, ModelRegistry,
  ModelSummary, ModelVersionRecord, RegisterModelVersionInput, SetAliasInput, VersionDecision,
} from '../model-registry.js';
import { alreadyRegistered, prepareModelVersion } from '../prepare-model-version.js';
import { deploymentPeriods } from '../deployment-lineage.js';
import { sqliteDeploymentsMentioning } from './deployment-store.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';

interface ModelRow { name: string; latest_version: number; created_at: string; version_count: number }

const now = (): string => new Date().toISOString();

/**
 * The model registry on a better-sqlite3 connection (the workspace's, with WAL and a busy timeout).
 * Every change runs in one BEGIN IMMEDIATE transaction: it takes the write lock before reading, so
 * two processes cannot both read "latest is 4" and both write 5; the loser waits (busy timeout).
 * Reads use prepared statements; resolving an alias is one indexed join.
 */
export class SqliteModelRegistry implements ModelRegistry {
  private readonly records = new VersionRecordCache();
  private readonly s;

  constructor(private readonly db: Database.Database, private readonly artifacts: ArtifactStore) {
    const p = <R>(sql: string) => db.prepare<unknown[], R>(sql);
    this.s = {
      model: p<{ name: string; latest_version: number }>('SELECT name, latest_version FROM models WHERE name = ?'),
      insertModel: p('INSERT INTO models (name, latest_version, created_at, created_by) VALUES (?, 0, ?, ?) ON CONFLICT (name) DO NOTHING'),
      bumpModel: p('UPDATE models SET latest_version = ? WHERE name = ?'),
      listModels: p<ModelRow>(`SELECT m.name, m.latest_version, m.created_at,
        (SELECT COUNT(*) FROM model_versions v WHERE v.model = m.name AND v.deleted_at IS NULL) AS version_count
        FROM models m ORDER BY m.name`),
      version: p<VersionRow>('SELECT * FROM model_versions WHERE model = ? AND version = ?'),
      versions: p<VersionRow>('SELECT * FROM model_versions WHERE model = ? ORDER BY version'),
      latest: p<VersionRow>('SELECT * FROM model_versions WHERE model = ? AND deleted_at IS NULL ORDER BY version DESC LIMIT 1'),
      children: p<{ version: number }>('SELECT version FROM model_versions WHERE model = ? AND parent_version = ? ORDER BY version'),
      insertVersion: p(`INSERT INTO model_versions (model, version, artifact_uri, artifact_sha256, artifact_bytes, kind, labels,
        input_schema, metrics, params, dataset_id, parent_version, code_version, registered_by, registered_at, tags)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      setApproval: p('UPDATE model_versions SET approval_status = ?, approval_by = ?, approval_at = ?, approval_reason = ? WHERE model = ? AND version = ?'),
      markDeleted: p('UPDATE model_versions SET deleted_at = ?, deleted_by = ? WHERE model = ? AND version = ?'),
      resolveAlias: p<VersionRow>(`SELECT v.* FROM model_aliases a JOIN model_versions v ON v.model = a.model AND v.version = a.version
        WHERE a.model = ? AND a.alias = ?`),
      alias: p<AliasRow>('SELECT * FROM model_aliases WHERE model = ? AND alias = ?'),
      aliases: p<AliasRow>('SELECT * FROM model_aliases WHERE model = ? ORDER BY alias'),
      aliasesOfVersion: p<{ alias: string }>('SELECT alias FROM model_aliases WHERE model = ? AND version = ? ORDER BY alias'),
      upsertAlias: p(`INSERT INTO model_aliases (model, alias, version, moved_at, moved_by) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version, moved_at = excluded.moved_at, moved_by = excluded.moved_by`),
      deleteAlias: p('DELETE FROM model_aliases WHERE model = ? AND alias = ?'),
      audit: p('INSERT INTO model_audit (at, actor, action, model, version, alias, before, after, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      aliasAudit: p<AuditRow>(`SELECT * FROM model_audit WHERE model = ? AND ${ALIAS_ACTIONS_SQL} ORDER BY id`),
      liveShas: p<{ artifact_sha256: string }>('SELECT DISTINCT artifact_sha256 FROM model_versions WHERE deleted_at IS NULL'),
      auditMark: p<{ n: number; last: number }>('SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS last FROM model_audit'),
      modelAuditMark: p<{ n: number; last: number }>('SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS last FROM model_audit WHERE model = ?'),
    };
  }

  private writeAudit(at: string, actor: string, action: AuditAction, model: string, version: number | null, alias: string | null,
    before: unknown, after: unknown, reason: string | null): number {
    const r = this.s.audit.run(at, actor, action, model, version, alias,
      before === null ? null : JSON.stringify(before), after === null ? null : JSON.stringify(after), reason);
    return Number(r.lastInsertRowid);
  }

  private requireModel(name: string): void {
    checkModelName(name);
    if (this.s.model.get(name) === undefined) throw unknownModel(name);
  }

  /** The version, live or deleted; NotFoundError naming the model or the version. */
  private requireVersion(name: string, version: number): ModelVersionRecord {
    checkVersionNumber(name, version);
    const row = this.s.version.get(name, version);
    if (row === undefined) {
      this.requireModel(name);
      throw unknownVersion(name, version);
    }
    return this.records.toRecord(row);
  }

  async registerModelVersion(input: RegisterModelVersionInput): Promise<ModelVersionRecord> {
    const p = prepareModelVersion(input);
    // Check the parent before anything is written, and again inside the transaction.
    if (p.parentVersion !== null) this.requireVersion(p.name, p.parentVersion);
    // Artifact first, row second: a crash in between leaves an unreferenced artifact (gc finds
    // it), never a row without its artifact.
    const stored = await this.artifacts.put(p.bytes);
    if (input.afterArtifactStored) await input.afterArtifactStored(stored.sha256);
    const register = this.db.transaction((): number => {
      const at = now();
      this.s.insertModel.run(p.name, at, p.actor);
      const version = this.s.model.get(p.name)!.latest_version + 1;
      const same = input.force ? undefined : this.db.prepare<[string, string], { version: number }>(
        'SELECT version FROM model_versions WHERE model = ? AND artifact_sha256 = ? AND deleted_at IS NULL ORDER BY version LIMIT 1').get(p.name, p.sha256);
      if (same !== undefined) throw alreadyRegistered(p.name, same.version, p.sha256);
      if (p.parentVersion !== null) this.requireVersion(p.name, p.parentVersion);
      this.s.bumpModel.run(version, p.name);
      this.s.insertVersion.run(p.name, version, artifactUri(stored.sha256), p.sha256, p.bytes.byteLength, p.kind, JSON.stringify(p.labels),
        JSON.stringify(p.inputSchema), JSON.stringify(p.metrics), JSON.stringify(p.params), p.datasetId, p.parentVersion,
        p.codeVersion, p.actor, at, JSON.stringify(p.tags));
      this.writeAudit(at, p.actor, 'register', p.name, version, null, null,
        { version, artifactSha256: p.sha256, kind: p.kind, datasetId: p.datasetId, parentVersion: p.parentVersion, tags: p.tags }, p.reason);
      return version;
    });
    const version = register.immediate();
    return this.requireVersion(p.name, version);
  }

  async getModelVersion(name: string, version: number): Promise<ModelVersionRecord> {
    return this.requireVersion(name, version);
  }

  async listModels(): Promise<ModelSummary[]> {
    return this.s.listModels.all().map((m) => ({
      name: m.name, latestVersion: m.latest_version, versionCount: m.version_count, createdAt: m.created_at,
      aliases: this.s.aliases.all(m.name).map(toAliasRecord),
    }));
  }

  async listModelVersions(name: string): Promise<ModelVersionRecord[]> {
    this.requireModel(name);
    return this.s.versions.all(name).map((r) => this.records.toRecord(r));
  }

  async listAliases(name: string): Promise<AliasRecord[]> {
    this.requireModel(name);
    return this.s.aliases.all(name).map(toAliasRecord);
  }

  async resolveModel(ref: string): Promise<ModelVersionRecord> {
    return this.resolveSync(ref);
  }

  /** Synchronous resolve (SQLite only): the serving hot path can skip a promise. */
  resolveSync(ref: string): ModelVersionRecord {
    const r = parseModelRef(ref);
    if (r.kind === 'alias') {
      const row = this.s.resolveAlias.get(r.name, r.alias);
      if (row === undefined) {
        this.requireModel(r.name);
        throw unknownAlias(r.name, r.alias);
      }
      return this.records.toRecord(row);
    }
    if (r.kind === 'latest') {
      const row = this.s.latest.get(r.name);
      if (row === undefined) {
        this.requireModel(r.name);
        throw new NotFoundError('model-has-no-versions', `model "${r.name}" has no live versions`, { model: r.name });
      }
      return this.records.toRecord(row);
    }
    const v = this.requireVersion(r.name, r.version);
    if (v.deletedAt !== null) throw deletedVersion(v);
    return v;
  }

  async readModelArtifact(record: ModelVersionRecord): Promise<Uint8Array> {
    return this.artifacts.get(record.artifactSha256);
  }

  locateModelArtifact(record: ModelVersionRecord): string {
    return this.artifacts.locate(record.artifactSha256);
  }

  async setAlias(input: SetAliasInput): Promise<AliasMove> {
    checkAliasChange(input);
    return this.db.transaction((): AliasMove => {
      const v = this.requireVersion(input.name, input.version);
      checkAliasTarget(v, input.alias);
      const current = this.s.alias.get(input.name, input.alias);
      if (current !== undefined && current.version === input.version) {
        return { alias: toAliasRecord(current), previousVersion: current.version, auditId: null };
      }
      const at = now();
      this.s.upsertAlias.run(input.name, input.alias, input.version, at, input.actor);
      const auditId = this.writeAudit(at, input.actor, 'alias-set', input.name, input.version, input.alias,
        current ? { version: current.version } : null, { version: input.version }, input.reason ?? null);
      return { alias: toAliasRecord(this.s.alias.get(input.name, input.alias)!), previousVersion: current?.version ?? null, auditId };
    }).immediate();
  }

  async deleteAlias(input: AliasChange): Promise<void> {
    checkAliasChange(input);
    this.db.transaction(() => {
      const current = this.s.alias.get(input.name, input.alias);
      if (current === undefined) {
        this.requireModel(input.name);
        throw unknownAlias(input.name, input.alias);
      }
      this.s.deleteAlias.run(input.name, input.alias);
      this.writeAudit(now(), input.actor, 'alias-delete', input.name, current.version, input.alias, { version: current.version }, null, input.reason ?? null);
    }).immediate();
  }

  async rollbackAlias(input: AliasChange): Promise<AliasMove> {
    checkAliasChange(input);
    return this.db.transaction((): AliasMove => {
      const current = this.s.alias.get(input.name, input.alias);
      if (current === undefined) {
        this.requireModel(input.name);
        throw unknownAlias(input.name, input.alias);
      }
      const history = this.s.aliasAudit.all(input.name).map(toAuditEntry);
      const target = rollbackTarget(history, input.alias);
      if (target === null) {
        throw nothingToRollBack(input.name, input.alias, current.version);
      }
      checkAliasTarget(this.requireVersion(input.name, target), input.alias);
      const at = now();
      this.s.upsertAlias.run(input.name, input.alias, target, at, input.actor);
      const auditId = this.writeAudit(at, input.actor, 'rollback', input.name, target, input.alias,
        { version: current.version }, { version: target }, input.reason ?? null);
      return { alias: toAliasRecord(this.s.alias.get(input.name, input.alias)!), previousVersion: current.version, auditId };
    }).immediate();
  }

  private decide(input: VersionDecision, status: ApprovalStatus): ModelVersionRecord {
    checkVersionChange(input);
    const reason = status === 'rejected' ? requireReason('rejecting a version', input.reason) : input.reason ?? null;
    this.db.transaction(() => {
      const v = this.requireVersion(input.name, input.version);
      checkDecision(v, status, status === 'rejected' ? this.s.aliasesOfVersion.all(input.name, input.version).map((a) => a.alias) : []);
      const at = now();
      this.s.setApproval.run(status, input.actor, at, reason, input.name, input.version);
      this.writeAudit(at, input.actor, status === 'approved' ? 'approve' : 'reject', input.name, input.version, null,
        approvalState(v), { status, by: input.actor, reason }, reason);
    }).immediate();
    return this.requireVersion(input.name, input.version);
  }

  async approveVersion(input: VersionDecision): Promise<ModelVersionRecord> {
    return this.decide(input, 'approved');
  }

  async rejectVersion(input: VersionDecision): Promise<ModelVersionRecord> {
    return this.decide(input, 'rejected');
  }

  async deleteModelVersion(input: VersionDecision): Promise<ModelVersionRecord> {
    checkVersionChange(input);
    const reason = requireReason('deleting a version', input.reason);
    this.db.transaction(() => {
      const v = this.requireVersion(input.name, input.version);
      checkDeletable(v, this.s.aliasesOfVersion.all(input.name, input.version).map((a) => a.alias));
      const at = now();
      this.s.markDeleted.run(at, input.actor, input.name, input.version);
      this.writeAudit(at, input.actor, 'delete-version', input.name, input.version, null,
        { version: input.version, artifactSha256: v.artifactSha256 }, null, reason);
    }).immediate();
    return this.requireVersion(input.name, input.version);
  }

  async auditLog(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (query.model !== undefined) { where.push('model = ?'); args.push(query.model); }
    if (query.version !== undefined) { where.push('version = ?'); args.push(query.version); }
    if (query.alias !== undefined) { where.push('alias = ?'); args.push(query.alias); }
    if (query.afterId !== undefined) { where.push('id > ?'); args.push(query.afterId); }
    args.push(query.limit ?? 1000);
    const sql = `SELECT * FROM model_audit ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`;
    return this.db.prepare<unknown[], AuditRow>(sql).all(...args).map(toAuditEntry);
  }

  async lineage(name: string, version: number): Promise<ModelLineage> {
    const v = this.requireVersion(name, version);
    const parents: ModelVersionRecord[] = [];
    for (let p = v.parentVersion; p !== null && parents.length < 10_000;) {
      const parent = this.requireVersion(name, p);
      parents.push(parent);
      p = parent.parentVersion;
    }
    const children = this.s.children.all(name, version).map((r) => r.version);
    const aliasHistory = aliasPeriods(this.s.aliasAudit.all(name).map(toAuditEntry), version);
    const deployments = deploymentPeriods(name, version, sqliteDeploymentsMentioning(this.db, name), aliasHistory);
    return { version: v, datasetId: v.datasetId, parents, children, aliasHistory, deployments };
  }

  async changeMark(model?: string): Promise<string> {
    const m = model === undefined ? this.s.auditMark.get()! : this.s.modelAuditMark.get(model)!;
    return `${m.n}:${m.last}`;
  }

  async referencedModelArtifacts(): Promise<Set<string>> {
    return new Set(this.s.liveShas.all().map((r) => r.artifact_sha256));
  }
}
