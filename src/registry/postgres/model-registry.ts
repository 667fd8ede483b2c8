import type pg from 'pg';
import { NotFoundError } from '../../core/errors.js';
import {
  aliasPeriods, artifactUri, checkAliasChange, checkAliasTarget, checkDecision, checkDeletable, checkModelName,
  checkVersionChange, checkVersionNumber, deletedVersion, nothingToRollBack, parseModelRef, requireReason, rollbackTarget, unknownAlias,
  unknownModel, unknownVersion,
} from '../model-rules.js';
import {
  ALIAS_ACTIONS_SQL, approvalState, isoTime, toAliasRecord, toAuditEntry, VersionRecordCache, type AliasRow, type AuditRow, type VersionRow,
} from '../model-record-mapping.js';
import type {
  AliasChange, AliasMove, AliasRecord, ApprovalStatus, AuditAction, AuditEntry, AuditQuery, ModelLineage, ModelRegistry,
  ModelSummary, ModelVersionRecord, RegisterModelVersionInput, SetAliasInput, VersionDecision,
} from '../model-registry.js';
import { alreadyRegistered, prepareModelVersion } from '../prepare-model-version.js';
import { deploymentPeriods } from '../deployment-lineage.js';
import { pgDeploymentsMentioning } from './deployment-store.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { inTransaction } from './connection.js';

type Db = pg.Pool | pg.PoolClient;

const jsonOrNull = (v: unknown): string | null => (v === null ? null : JSON.stringify(v));

/**
 * The model registry on PostgreSQL. Every change is one transaction that first locks the model's
 * row (SELECT ... FOR UPDATE): changes to one model are serialised across processes and machines,
 * so version numbers are gapless and audit ids follow the order things happened in. Named
 * statements let the server reuse plans for the hot reads.
 */
export class PgModelRegistry implements ModelRegistry {
  private readonly records = new VersionRecordCache();

  constructor(private readonly pool: pg.Pool, private readonly artifacts: ArtifactStore) {}

  private async rows<R extends pg.QueryResultRow>(db: Db, name: string | undefined, text: string, values: unknown[]): Promise<R[]> {
    const r = await db.query<R>(name === undefined ? { text, values } : { name, text, values });
    return r.rows;
  }

  /** Locks the model row for the rest of the transaction; NotFoundError when there is none. */
  private async lockModel(db: pg.PoolClient, name: string): Promise<number> {
    const r = await this.rows<{ latest_version: number }>(db, undefined, 'SELECT latest_version FROM models WHERE name = $1 FOR UPDATE', [name]);
    if (r[0] === undefined) throw unknownModel(name);
    return r[0].latest_version;
  }

  private async modelExists(db: Db, name: string): Promise<boolean> {
    return (await this.rows(db, 'lading_model_exists', 'SELECT 1 FROM models WHERE name = $1', [name])).length > 0;
  }

  private async requireModel(db: Db, name: string): Promise<void> {
    checkModelName(name);
    if (!(await this.modelExists(db, name))) throw unknownModel(name);
  }

  private async requireVersion(db: Db, name: string, version: number): Promise<ModelVersionRecord> {
    checkVersionNumber(name, version);
    const row = (await this.rows<VersionRow>(db, 'lading_model_version', 'SELECT * FROM model_versions WHERE model = $1 AND version = $2', [name, version]))[0];
    if (row === undefined) {
      await this.requireModel(db, name);
      throw unknownVersion(name, version);
    }
    return this.records.toRecord(row);
  }

  private async writeAudit(db: pg.PoolClient, actor: string, action: AuditAction, model: string, version: number | null, alias: string | null,
    before: unknown, after: unknown, reason: string | null): Promise<number> {
    const r = await this.rows<{ id: string }>(db, undefined,
      `INSERT INTO model_audit (at, actor, action, model, version, alias, before, after, reason)
       VALUES (now(), $1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [actor, action, model, version, alias, jsonOrNull(before), jsonOrNull(after), reason]);
    return Number(r[0]!.id);
  }

  private async aliasRow(db: Db, name: string, alias: string): Promise<AliasRow | undefined> {
    return (await this.rows<AliasRow>(db, 'lading_alias', 'SELECT * FROM model_aliases WHERE model = $1 AND alias = $2', [name, alias]))[0];
  }

  private async aliasHistory(db: Db, name: string): Promise<AuditEntry[]> {
    return (await this.rows<AuditRow>(db, undefined, `SELECT * FROM model_audit WHERE model = $1 AND ${ALIAS_ACTIONS_SQL} ORDER BY id`, [name])).map(toAuditEntry);
  }

  async registerModelVersion(input: RegisterModelVersionInput): Promise<ModelVersionRecord> {
    const p = prepareModelVersion(input);
    if (p.parentVersion !== null) await this.requireVersion(this.pool, p.name, p.parentVersion);
    // Artifact first, row second: a crash in between leaves an unreferenced artifact (gc finds
    // it), never a row without its artifact.
    const stored = await this.artifacts.put(p.bytes);
    if (input.afterArtifactStored) await input.afterArtifactStored(stored.sha256);
    const version = await inTransaction(this.pool, async (db) => {
      await db.query('INSERT INTO models (name, latest_version, created_at, created_by) VALUES ($1, 0, now(), $2) ON CONFLICT (name) DO NOTHING', [p.name, p.actor]);
      const next = (await this.lockModel(db, p.name)) + 1;
      const same = input.force ? undefined : (await db.query<{ version: number }>(
        'SELECT version FROM model_versions WHERE model = $1 AND artifact_sha256 = $2 AND deleted_at IS NULL ORDER BY version LIMIT 1', [p.name, p.sha256])).rows[0];
      if (same !== undefined) throw alreadyRegistered(p.name, same.version, p.sha256);
      if (p.parentVersion !== null) await this.requireVersion(db, p.name, p.parentVersion);
      await db.query('UPDATE models SET latest_version = $1 WHERE name = $2', [next, p.name]);
      await db.query(`INSERT INTO model_versions (model, version, artifact_uri, artifact_sha256, artifact_bytes, kind, labels,
        input_schema, metrics, params, dataset_id, parent_version, code_version, registered_by, registered_at, tags)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now(), $15)`,
      [p.name, next, artifactUri(stored.sha256), p.sha256, p.bytes.byteLength, p.kind, JSON.stringify(p.labels), JSON.stringify(p.inputSchema),
        JSON.stringify(p.metrics), JSON.stringify(p.params), p.datasetId, p.parentVersion, p.codeVersion, p.actor, JSON.stringify(p.tags)]);
      await this.writeAudit(db, p.actor, 'register', p.name, next, null, null,
        { version: next, artifactSha256: p.sha256, kind: p.kind, datasetId: p.datasetId, parentVersion: p.parentVersion, tags: p.tags }, p.reason);
      return next;
    });
    return this.requireVersion(this.pool, p.name, version);
  }

  async getModelVersion(name: string, version: number): Promise<ModelVersionRecord> {
    return this.requireVersion(this.pool, name, version);
  }

  async listModels(): Promise<ModelSummary[]> {
    const models = await this.rows<{ name: string; latest_version: number; created_at: Date; version_count: string }>(this.pool, undefined,
      `SELECT m.name, m.latest_version, m.created_at,
       (SELECT COUNT(*) FROM model_versions v WHERE v.model = m.name AND v.deleted_at IS NULL) AS version_count
       FROM models m ORDER BY m.name`, []);
    const aliases = await this.rows<AliasRow>(this.pool, undefined, 'SELECT * FROM model_aliases ORDER BY model, alias', []);
    return models.map((m) => ({
      name: m.name, latestVersion: m.latest_version, versionCount: Number(m.version_count), createdAt: isoTime(m.created_at),
      aliases: aliases.filter((a) => a.model === m.name).map(toAliasRecord),
    }));
  }

  async listModelVersions(name: string): Promise<ModelVersionRecord[]> {
    await this.requireModel(this.pool, name);
    return (await this.rows<VersionRow>(this.pool, undefined, 'SELECT * FROM model_versions WHERE model = $1 ORDER BY version', [name]))
      .map((r) => this.records.toRecord(r));
  }

  async listAliases(name: string): Promise<AliasRecord[]> {
    await this.requireModel(this.pool, name);
    return (await this.rows<AliasRow>(this.pool, undefined, 'SELECT * FROM model_aliases WHERE model = $1 ORDER BY alias', [name])).map(toAliasRecord);
  }

  async resolveModel(ref: string): Promise<ModelVersionRecord> {
    const r = parseModelRef(ref);
    if (r.kind === 'alias') {
      const row = (await this.rows<VersionRow>(this.pool, 'lading_resolve_alias',
        `SELECT v.* FROM model_aliases a JOIN model_versions v ON v.model = a.model AND v.version = a.version
         WHERE a.model = $1 AND a.alias = $2`, [r.name, r.alias]))[0];
      if (row === undefined) {
        await this.requireModel(this.pool, r.name);
        throw unknownAlias(r.name, r.alias);
      }
      return this.records.toRecord(row);
    }
    if (r.kind === 'latest') {
      const row = (await this.rows<VersionRow>(this.pool, 'lading_resolve_latest',
        'SELECT * FROM model_versions WHERE model = $1 AND deleted_at IS NULL ORDER BY version DESC LIMIT 1', [r.name]))[0];
      if (row === undefined) {
        await this.requireModel(this.pool, r.name);
        throw new NotFoundError('model-has-no-versions', `model "${r.name}" has no live versions`, { model: r.name });
      }
      return this.records.toRecord(row);
    }
    const v = await this.requireVersion(this.pool, r.name, r.version);
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
    return inTransaction(this.pool, async (db): Promise<AliasMove> => {
      await this.lockModel(db, input.name);
      const v = await this.requireVersion(db, input.name, input.version);
      checkAliasTarget(v, input.alias);
      const current = await this.aliasRow(db, input.name, input.alias);
      if (current !== undefined && current.version === input.version) {
        return { alias: toAliasRecord(current), previousVersion: current.version, auditId: null };
      }
      await this.upsertAlias(db, input.name, input.alias, input.version, input.actor);
      const auditId = await this.writeAudit(db, input.actor, 'alias-set', input.name, input.version, input.alias,
        current ? { version: current.version } : null, { version: input.version }, input.reason ?? null);
      return { alias: toAliasRecord((await this.aliasRow(db, input.name, input.alias))!), previousVersion: current?.version ?? null, auditId };
    });
  }

  private async upsertAlias(db: pg.PoolClient, name: string, alias: string, version: number, actor: string): Promise<void> {
    await db.query(`INSERT INTO model_aliases (model, alias, version, moved_at, moved_by) VALUES ($1, $2, $3, now(), $4)
      ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version, moved_at = excluded.moved_at, moved_by = excluded.moved_by`,
    [name, alias, version, actor]);
  }

  async deleteAlias(input: AliasChange): Promise<void> {
    checkAliasChange(input);
    await inTransaction(this.pool, async (db) => {
      await this.lockModel(db, input.name);
      const current = await this.aliasRow(db, input.name, input.alias);
      if (current === undefined) throw unknownAlias(input.name, input.alias);
      await db.query('DELETE FROM model_aliases WHERE model = $1 AND alias = $2', [input.name, input.alias]);
      await this.writeAudit(db, input.actor, 'alias-delete', input.name, current.version, input.alias, { version: current.version }, null, input.reason ?? null);
    });
  }

  async rollbackAlias(input: AliasChange): Promise<AliasMove> {
    checkAliasChange(input);
    return inTransaction(this.pool, async (db): Promise<AliasMove> => {
      await this.lockModel(db, input.name);
      const current = await this.aliasRow(db, input.name, input.alias);
      if (current === undefined) throw unknownAlias(input.name, input.alias);
      const target = rollbackTarget(await this.aliasHistory(db, input.name), input.alias);
      if (target === null) {
        throw nothingToRollBack(input.name, input.alias, current.version);
      }
      checkAliasTarget(await this.requireVersion(db, input.name, target), input.alias);
      await this.upsertAlias(db, input.name, input.alias, target, input.actor);
      const auditId = await this.writeAudit(db, input.actor, 'rollback', input.name, target, input.alias,
        { version: current.version }, { version: target }, input.reason ?? null);
      return { alias: toAliasRecord((await this.aliasRow(db, input.name, input.alias))!), previousVersion: current.version, auditId };
    });
  }

  private async aliasesOf(db: Db, name: string, version: number): Promise<string[]> {
    return (await this.rows<{ alias: string }>(db, undefined, 'SELECT alias FROM model_aliases WHERE model = $1 AND version = $2 ORDER BY alias', [name, version]))
      .map((r) => r.alias);
  }

  private async decide(input: VersionDecision, status: ApprovalStatus): Promise<ModelVersionRecord> {
    checkVersionChange(input);
    const reason = status === 'rejected' ? requireReason('rejecting a version', input.reason) : input.reason ?? null;
    await inTransaction(this.pool, async (db) => {
      await this.lockModel(db, input.name);
      const v = await this.requireVersion(db, input.name, input.version);
      checkDecision(v, status, status === 'rejected' ? await this.aliasesOf(db, input.name, input.version) : []);
      await db.query('UPDATE model_versions SET approval_status = $1, approval_by = $2, approval_at = now(), approval_reason = $3 WHERE model = $4 AND version = $5',
        [status, input.actor, reason, input.name, input.version]);
      await this.writeAudit(db, input.actor, status === 'approved' ? 'approve' : 'reject', input.name, input.version, null,
        approvalState(v), { status, by: input.actor, reason }, reason);
    });
    return this.requireVersion(this.pool, input.name, input.version);
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
    await inTransaction(this.pool, async (db) => {
      await this.lockModel(db, input.name);
      const v = await this.requireVersion(db, input.name, input.version);
      checkDeletable(v, await this.aliasesOf(db, input.name, input.version));
      await db.query('UPDATE model_versions SET deleted_at = now(), deleted_by = $1 WHERE model = $2 AND version = $3', [input.actor, input.name, input.version]);
      await this.writeAudit(db, input.actor, 'delete-version', input.name, input.version, null,
        { version: input.version, artifactSha256: v.artifactSha256 }, null, reason);
    });
    return this.requireVersion(this.pool, input.name, input.version);
  }

  async auditLog(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, v: unknown) => { args.push(v); where.push(`${sql} $${args.length}`); };
    if (query.model !== undefined) add('model =', query.model);
    if (query.version !== undefined) add('version =', query.version);
    if (query.alias !== undefined) add('alias =', query.alias);
    if (query.afterId !== undefined) add('id >', query.afterId);
    args.push(query.limit ?? 1000);
    const sql = `SELECT * FROM model_audit ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT $${args.length}`;
    return (await this.rows<AuditRow>(this.pool, undefined, sql, args)).map(toAuditEntry);
  }

  async changeMark(model?: string): Promise<string> {
    const [m] = model === undefined
      ? await this.rows<{ n: string; last: string }>(this.pool, undefined, 'SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS last FROM model_audit', [])
      : await this.rows<{ n: string; last: string }>(this.pool, undefined, 'SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS last FROM model_audit WHERE model = $1', [model]);
    return `${m!.n}:${m!.last}`;
  }

  async lineage(name: string, version: number): Promise<ModelLineage> {
    const v = await this.requireVersion(this.pool, name, version);
    const parents: ModelVersionRecord[] = [];
    for (let p = v.parentVersion; p !== null && parents.length < 10_000;) {
      const parent = await this.requireVersion(this.pool, name, p);
      parents.push(parent);
      p = parent.parentVersion;
    }
    const children = (await this.rows<{ version: number }>(this.pool, undefined,
      'SELECT version FROM model_versions WHERE model = $1 AND parent_version = $2 ORDER BY version', [name, version])).map((r) => r.version);
    const aliasHistory = aliasPeriods(await this.aliasHistory(this.pool, name), version);
    const deployments = deploymentPeriods(name, version, await pgDeploymentsMentioning(this.pool, name), aliasHistory);
    return { version: v, datasetId: v.datasetId, parents, children, aliasHistory, deployments };
  }

  async referencedModelArtifacts(): Promise<Set<string>> {
    const r = await this.rows<{ artifact_sha256: string }>(this.pool, undefined, 'SELECT DISTINCT artifact_sha256 FROM model_versions WHERE deleted_at IS NULL', []);
    return new Set(r.map((x) => x.artifact_sha256));
  }
}
