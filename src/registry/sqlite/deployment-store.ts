import type Database from 'better-sqlite3';
import type { DeploymentSpec } from '../../core/deployment-spec.js';
import { modelNeedle, toDeploymentRecord, type DeploymentRow } from '../deployment-record-mapping.js';
import { byEndpoint, checkDeploymentAppend, checkExpectedRevision, type DeploymentAction, type DeploymentRecord, type DeploymentStore } from '../deployment-store.js';

/**
 * Deployments on the workspace's SQLite connection. An append is one BEGIN IMMEDIATE transaction:
 * it takes the write lock before reading the endpoint's last revision, so two processes cannot both
 * read "3" and both write 4 (the loser waits, busy timeout). seq is AUTOINCREMENT and the one writer
 * commits in order, so a poller that saw seq N has seen everything up to N.
 */
export class SqliteDeploymentStore implements DeploymentStore {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    const p = <R>(sql: string) => db.prepare<unknown[], R>(sql);
    this.s = {
      lastRevision: p<{ r: number | null }>('SELECT MAX(revision) AS r FROM deployments WHERE endpoint = ?'),
      insert: p('INSERT INTO deployments (endpoint, revision, spec, action, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      bySeq: p<DeploymentRow>('SELECT * FROM deployments WHERE seq = ?'),
      current: p<DeploymentRow>('SELECT * FROM deployments WHERE endpoint = ? ORDER BY revision DESC LIMIT 1'),
      currentAll: p<DeploymentRow>(`SELECT d.* FROM deployments d
        JOIN (SELECT endpoint, MAX(revision) AS revision FROM deployments GROUP BY endpoint) m
        ON d.endpoint = m.endpoint AND d.revision = m.revision`),
      history: p<DeploymentRow>('SELECT * FROM deployments WHERE endpoint = ? ORDER BY revision'),
      lastSeq: p<{ s: number | null }>('SELECT MAX(seq) AS s FROM deployments'),
    };
  }

  async append(endpoint: string, spec: DeploymentSpec | null, action: DeploymentAction, actor: string, reason: string | null, expectedRevision?: number): Promise<DeploymentRecord> {
    checkDeploymentAppend(endpoint, spec, action, actor);
    const json = spec === null ? null : JSON.stringify(spec);
    const seq = this.db.transaction((): number => {
      const latest = this.s.lastRevision.get(endpoint)?.r ?? 0;
      checkExpectedRevision(endpoint, latest, expectedRevision);
      const revision = latest + 1;
      return Number(this.s.insert.run(endpoint, revision, json, action, actor, reason, new Date().toISOString()).lastInsertRowid);
    }).immediate();
    return toDeploymentRecord(this.s.bySeq.get(seq)!);
  }

  async current(endpoint: string): Promise<DeploymentRecord | undefined> {
    const row = this.s.current.get(endpoint);
    return row === undefined ? undefined : toDeploymentRecord(row);
  }

  async currentAll(): Promise<DeploymentRecord[]> {
    return this.s.currentAll.all().map(toDeploymentRecord).sort(byEndpoint);
  }

  async history(endpoint: string): Promise<DeploymentRecord[]> {
    return this.s.history.all(endpoint).map(toDeploymentRecord);
  }

  async lastSeq(): Promise<number> {
    return this.s.lastSeq.get()?.s ?? 0;
  }
}

/**
 * Every revision of every endpoint that ever named `model` in its spec, in seq order: the input
 * of deployment lineage (deployment-lineage.ts does the exact matching; this is a cheap text filter).
 */
export function sqliteDeploymentsMentioning(db: Database.Database, model: string): DeploymentRecord[] {
  return db.prepare<unknown[], DeploymentRow>(`SELECT * FROM deployments WHERE endpoint IN
    (SELECT DISTINCT endpoint FROM deployments WHERE spec IS NOT NULL AND instr(spec, ?) > 0) ORDER BY seq`).all(modelNeedle(model)).map(toDeploymentRecord);
}
