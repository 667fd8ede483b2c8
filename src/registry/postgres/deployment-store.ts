import type pg from 'pg';
import type { DeploymentSpec } from '../../core/deployment-spec.js';
import { modelNeedle, toDeploymentRecord, type DeploymentRow } from '../deployment-record-mapping.js';
import { byEndpoint, checkDeploymentAppend, checkExpectedRevision, type DeploymentAction, type DeploymentRecord, type DeploymentStore } from '../deployment-store.js';
import { inTransaction } from './connection.js';

/** pg_advisory_xact_lock keys: (class, 1) = appends to the deployments table of this database. */
const LOCK_CLASS = 0x1ad2;

/**
 * Deployments on PostgreSQL. Every append takes one transaction-level advisory lock (per schema)
 * before reading the endpoint's last revision. That makes revisions gapless across processes and
 * machines, and more: seq values are drawn and committed in the same order, so a server polling
 * "lastSeq moved?" can never see seq 11 committed while 10 is still in flight and then miss 10
 * (bigserial alone does not promise that). Deployment changes are rare; one lock costs nothing.
 */
export class PgDeploymentStore implements DeploymentStore {
  constructor(private readonly pool: pg.Pool, private readonly schema: string) {}

  async append(endpoint: string, spec: DeploymentSpec | null, action: DeploymentAction, actor: string, reason: string | null, expectedRevision?: number): Promise<DeploymentRecord> {
    checkDeploymentAppend(endpoint, spec, action, actor);
    const json = spec === null ? null : JSON.stringify(spec);
    return inTransaction(this.pool, async (db) => {
      await db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, this.schema]);
      const last = await db.query<{ r: number | null }>('SELECT MAX(revision) AS r FROM deployments WHERE endpoint = $1', [endpoint]);
      const latest = last.rows[0]?.r ?? 0;
      checkExpectedRevision(endpoint, latest, expectedRevision);
      const revision = latest + 1;
      // clock_timestamp, not now(): now() is the transaction's start, which may precede the lock wait
      // and so the revision before this one.
      const r = await db.query<DeploymentRow>(`INSERT INTO deployments (endpoint, revision, spec, action, actor, reason, at)
        VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp()) RETURNING *`, [endpoint, revision, json, action, actor, reason]);
      return toDeploymentRecord(r.rows[0]!);
    });
  }

  async current(endpoint: string): Promise<DeploymentRecord | undefined> {
    const r = await this.pool.query<DeploymentRow>({ name: 'lading_deployment_current', text: 'SELECT * FROM deployments WHERE endpoint = $1 ORDER BY revision DESC LIMIT 1', values: [endpoint] });
    return r.rows[0] === undefined ? undefined : toDeploymentRecord(r.rows[0]);
  }

  async currentAll(): Promise<DeploymentRecord[]> {
    const r = await this.pool.query<DeploymentRow>({ name: 'lading_deployment_current_all', text: 'SELECT DISTINCT ON (endpoint) * FROM deployments ORDER BY endpoint, revision DESC' });
    return r.rows.map(toDeploymentRecord).sort(byEndpoint);
  }

  async history(endpoint: string): Promise<DeploymentRecord[]> {
    const r = await this.pool.query<DeploymentRow>({ name: 'lading_deployment_history', text: 'SELECT * FROM deployments WHERE endpoint = $1 ORDER BY revision', values: [endpoint] });
    return r.rows.map(toDeploymentRecord);
  }

  async lastSeq(): Promise<number> {
    const r = await this.pool.query<{ s: string | null }>({ name: 'lading_deployment_last_seq', text: 'SELECT MAX(seq) AS s FROM deployments' });
    return Number(r.rows[0]?.s ?? 0);
  }
}

/** Every revision of every endpoint that ever named `model` in its spec, in seq order (see deployment-lineage.ts). */
export async function pgDeploymentsMentioning(db: pg.Pool | pg.PoolClient, model: string): Promise<DeploymentRecord[]> {
  const r = await db.query<DeploymentRow>(`SELECT * FROM deployments WHERE endpoint IN
    (SELECT DISTINCT endpoint FROM deployments WHERE spec IS NOT NULL AND strpos(spec::text, $1) > 0) ORDER BY seq`, [modelNeedle(model)]);
  return r.rows.map(toDeploymentRecord);
}
