import type pg from 'pg';
import { ConflictError, NotFoundError } from '../../../core/errors.js';
import { sha256Hex } from '../../../core/hash.js';
import { checkSchemaName, inTransaction, openPgPool } from '../../../registry/postgres/connection.js';
import type { FinishRunInput, PipelineRun, PipelineState, PipelineStore, RunProgress, StartRunInput } from '../pipeline-store.js';
import { interruptedError, newRunId, runFromRow, stateFromRow, type PipelineRow, type RunRow } from '../run-record-mapping.js';
import { PIPELINE_MIGRATIONS_PG } from './pipeline-schema.js';

/** pg_advisory_xact_lock class for the pipeline store's migrations (the registry's is 0x1ad1, monitoring's 0x1ad2). */
const LOCK_CLASS = 0x1ad3;
const STATE_SQL = `SELECT p.*, (SELECT r.id FROM pl_runs r WHERE r.pipeline = p.name AND r.status = 'running') AS active_run_id FROM pl_pipelines p`;

/**
 * The pipeline store as `pl_*` tables in the registry's PostgreSQL schema. Its migrations are
 * numbered in a table of their own (pl_schema_migrations): the registry's and monitoring's have
 * theirs. They are applied in one transaction under a transaction-level advisory lock, so two
 * processes opening a fresh schema queue instead of both creating the tables.
 */
export async function openPgPipelineStore(options: { readonly url: string; readonly schema: string }): Promise<PipelineStore> {
  const schema = checkSchemaName(options.schema);
  const pool = openPgPool({ url: options.url, schema, maxConnections: 2 });
  pool.on('error', () => undefined);
  try {
    await migrate(pool, schema);
  } catch (e) {
    await pool.end();
    throw e;
  }
  return new PgPipelineStore(pool);
}

async function migrate(pool: pg.Pool, schema: string): Promise<void> {
  await inTransaction(pool, async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, schema]);
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await c.query('CREATE TABLE IF NOT EXISTS pl_schema_migrations (version integer PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const applied = new Map((await c.query<{ version: number; sha256: string }>('SELECT version, sha256 FROM pl_schema_migrations')).rows.map((r) => [r.version, r.sha256]));
    for (const [version, sha] of applied) {
      const known = PIPELINE_MIGRATIONS_PG.find((m) => m.version === version);
      if (known === undefined || sha256Hex(known.sql) !== sha) {
        throw new ConflictError('pipeline-store-schema', `schema ${schema}: pipeline store migration ${version} is ${known === undefined ? 'newer than this lading' : 'not the one this lading applies'}`,
          { schema, migration: version }, 'Upgrade lading (migrations are append-only).');
      }
    }
    for (const m of PIPELINE_MIGRATIONS_PG) {
      if (applied.has(m.version)) continue;
      await c.query(m.sql);
      await c.query('INSERT INTO pl_schema_migrations (version, sha256) VALUES ($1, $2)', [m.version, sha256Hex(m.sql)]);
    }
  });
}

type Db = pg.Pool | pg.PoolClient;

class PgPipelineStore implements PipelineStore {
  private closed: Promise<void> | undefined;

  constructor(private readonly pool: pg.Pool) {}

  private async ensure(db: Db, pipeline: string, now: number): Promise<void> {
    await db.query('INSERT INTO pl_pipelines (name, since) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [pipeline, now]);
  }

  private async readState(db: Db, pipeline: string): Promise<PipelineState> {
    return stateFromRow((await db.query<PipelineRow>(`${STATE_SQL} WHERE p.name = $1`, [pipeline])).rows[0]!);
  }

  private async readRun(db: Db, runId: string, lock = false): Promise<PipelineRun> {
    const row = (await db.query<RunRow>(`SELECT * FROM pl_runs WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [runId])).rows[0];
    if (row === undefined) throw new NotFoundError('unknown-run', `no pipeline run "${runId}"`, { run: runId }, 'List runs with `lading pipeline history NAME`.');
    return runFromRow(row);
  }

  async state(pipeline: string, now: number): Promise<PipelineState> {
    await this.ensure(this.pool, pipeline, now);
    return this.readState(this.pool, pipeline);
  }

  async listStates(): Promise<PipelineState[]> {
    return (await this.pool.query<PipelineRow>(`${STATE_SQL} ORDER BY p.name`)).rows.map(stateFromRow);
  }

  async setPaused(pipeline: string, paused: boolean, change: { by: string; reason?: string | undefined; now: number }): Promise<PipelineState> {
    return inTransaction(this.pool, async (c) => {
      await this.ensure(c, pipeline, change.now);
      await c.query('UPDATE pl_pipelines SET paused = $1, paused_by = $2, paused_at = $3, pause_reason = $4 WHERE name = $5',
        [paused, change.by, change.now, change.reason ?? null, pipeline]);
      return this.readState(c, pipeline);
    });
  }

  async startRun(input: StartRunInput): Promise<PipelineRun> {
    const id = newRunId(input.now);
    try {
      return await inTransaction(this.pool, async (c) => {
        await this.ensure(c, input.pipeline, input.now);
        await c.query(`INSERT INTO pl_runs (id, pipeline, trigger, actor, started_at, status, owner_host, owner_pid, heartbeat_at)
          VALUES ($1, $2, $3, $4, $5, 'running', $6, $7, $5)`, [id, input.pipeline, input.trigger, input.actor, input.now, input.owner.host, input.owner.pid]);
        return this.readRun(c, id);
      });
    } catch (e) {
      // The partial unique index refuses a second running run, whichever connection inserts it.
      if ((e as { code?: string }).code !== '23505') throw e;
      const active = (await this.readState(this.pool, input.pipeline)).activeRunId ?? 'a run';
      throw new ConflictError('pipeline-running', `pipeline "${input.pipeline}" is already running (${active})`, { pipeline: input.pipeline, run: active },
        'Wait for it (`lading pipeline history NAME`); a run whose process died is marked failed the next time one starts.');
    }
  }

  async recordProgress(runId: string, p: RunProgress): Promise<void> {
    await this.pool.query(`UPDATE pl_runs SET heartbeat_at = $1, steps = COALESCE($2, steps), dataset = COALESCE($3, dataset), candidate = COALESCE($4, candidate),
      holdout = COALESCE($5, holdout) WHERE id = $6 AND status = 'running'`, [p.now, p.steps === undefined ? null : JSON.stringify(p.steps), p.dataset ?? null, p.candidate ?? null, p.holdout ?? null, runId]);
  }

  async finishRun(runId: string, input: FinishRunInput): Promise<PipelineRun> {
    return inTransaction(this.pool, async (c) => {
      const run = await this.readRun(c, runId, true);
      if (run.status !== 'running') {
        throw new ConflictError('run-finished', `pipeline run ${runId} already ended (${run.status}${run.error ? `: ${run.error}` : ''})`, { run: runId, status: run.status });
      }
      await this.end(c, run, input.status, input.now, input.error ?? null, input.watermark);
      return this.readRun(c, runId);
    });
  }

  private async end(c: Db, run: PipelineRun, status: FinishRunInput['status'], now: number, error: string | null, watermark: FinishRunInput['watermark']): Promise<void> {
    await c.query('UPDATE pl_runs SET status = $1, finished_at = $2, heartbeat_at = $2, error = $3 WHERE id = $4', [status, now, error, run.id]);
    await c.query(`UPDATE pl_pipelines SET last_run_id = $1, last_run_time = $2,
      last_feedback_id = COALESCE($3, last_feedback_id), last_feedback_count = COALESCE($4, last_feedback_count) WHERE name = $5`,
    [run.id, run.startedAt, watermark?.feedbackId ?? null, watermark?.feedbackCount ?? null, run.pipeline]);
  }

  async getRun(runId: string): Promise<PipelineRun> {
    return this.readRun(this.pool, runId);
  }

  async listRuns(pipeline: string, limit = 100): Promise<PipelineRun[]> {
    return (await this.pool.query<RunRow>('SELECT * FROM pl_runs WHERE pipeline = $1 ORDER BY started_at DESC, id DESC LIMIT $2', [pipeline, limit])).rows.map(runFromRow);
  }

  async reapRuns(isGone: (run: PipelineRun) => boolean, now: number): Promise<PipelineRun[]> {
    return inTransaction(this.pool, async (c) => {
      const running = (await c.query<RunRow>(`SELECT * FROM pl_runs WHERE status = 'running' FOR UPDATE`)).rows.map(runFromRow);
      const gone = running.filter(isGone);
      const out: PipelineRun[] = [];
      for (const run of gone) {
        await this.end(c, run, 'failed', now, interruptedError(run), undefined);
        out.push(await this.readRun(c, run.id));
      }
      return out;
    });
  }

  close(): Promise<void> {
    this.closed ??= this.pool.end();
    return this.closed;
  }
}
