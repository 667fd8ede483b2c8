import type Database from 'better-sqlite3';
import { ConflictError, NotFoundError } from '../../../core/errors.js';
import { openSqliteDatabase } from '../../../registry/sqlite/connection.js';
import type { Migration } from '../../../registry/sqlite/migrations.js';
import type { FinishRunInput, PipelineRun, PipelineState, PipelineStore, RunProgress, StartRunInput } from '../pipeline-store.js';
import { interruptedError, newRunId, runFromRow, stateFromRow, type PipelineRow, type RunRow } from '../run-record-mapping.js';
import { PIPELINE_RUN_HOLDOUT_SQLITE, PIPELINE_TABLES_SQLITE } from './pipeline-schema.js';

/** Append-only, as every schema lading keeps (the applied ones are checked by sha256 on open). */
export const PIPELINE_MIGRATIONS_SQLITE: readonly Migration[] = [
  { version: 1, sql: PIPELINE_TABLES_SQLITE },
  { version: 2, sql: PIPELINE_RUN_HOLDOUT_SQLITE },
];

const STATE_SQL = `SELECT p.*, (SELECT r.id FROM pl_runs r WHERE r.pipeline = p.name AND r.status = 'running') AS active_run_id FROM pl_pipelines p`;

/**
 * The pipeline store in a SQLite file of its own (<home>/pipelines.sqlite): a running training
 * heartbeats every few seconds, and those writes should never wait on (or hold up) the registry's.
 * better-sqlite3 is synchronous, so each method is one transaction that cannot interleave.
 */
export function openSqlitePipelineStore(file: string): PipelineStore {
  return new SqlitePipelineStore(openSqliteDatabase(file, PIPELINE_MIGRATIONS_SQLITE));
}

class SqlitePipelineStore implements PipelineStore {
  constructor(private readonly db: Database.Database) {}

  private ensure(pipeline: string, now: number): void {
    this.db.prepare('INSERT INTO pl_pipelines (name, since) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(pipeline, now);
  }

  private readState(pipeline: string): PipelineState {
    return stateFromRow(this.db.prepare(`${STATE_SQL} WHERE p.name = ?`).get(pipeline) as PipelineRow);
  }

  private readRun(runId: string): PipelineRun {
    const row = this.db.prepare('SELECT * FROM pl_runs WHERE id = ?').get(runId) as RunRow | undefined;
    if (row === undefined) throw new NotFoundError('unknown-run', `no pipeline run "${runId}"`, { run: runId }, 'List runs with `lading pipeline history NAME`.');
    return runFromRow(row);
  }

  async state(pipeline: string, now: number): Promise<PipelineState> {
    return this.db.transaction(() => { this.ensure(pipeline, now); return this.readState(pipeline); }).immediate();
  }

  async listStates(): Promise<PipelineState[]> {
    return (this.db.prepare(`${STATE_SQL} ORDER BY p.name`).all() as PipelineRow[]).map(stateFromRow);
  }

  async setPaused(pipeline: string, paused: boolean, change: { by: string; reason?: string | undefined; now: number }): Promise<PipelineState> {
    return this.db.transaction(() => {
      this.ensure(pipeline, change.now);
      this.db.prepare('UPDATE pl_pipelines SET paused = ?, paused_by = ?, paused_at = ?, pause_reason = ? WHERE name = ?')
        .run(paused ? 1 : 0, change.by, change.now, change.reason ?? null, pipeline);
      return this.readState(pipeline);
    }).immediate();
  }

  async startRun(input: StartRunInput): Promise<PipelineRun> {
    return this.db.transaction(() => {
      this.ensure(input.pipeline, input.now);
      const active = this.readState(input.pipeline).activeRunId;
      if (active !== null) {
        throw new ConflictError('pipeline-running', `pipeline "${input.pipeline}" is already running (${active})`, { pipeline: input.pipeline, run: active },
          'Wait for it (`lading pipeline history NAME`); a run whose process died is marked failed the next time one starts.');
      }
      const id = newRunId(input.now);
      this.db.prepare(`INSERT INTO pl_runs (id, pipeline, trigger, actor, started_at, status, owner_host, owner_pid, heartbeat_at)
        VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?)`).run(id, input.pipeline, input.trigger, input.actor, input.now, input.owner.host, input.owner.pid, input.now);
      return this.readRun(id);
    }).immediate();
  }

  async recordProgress(runId: string, p: RunProgress): Promise<void> {
    this.db.prepare(`UPDATE pl_runs SET heartbeat_at = ?, steps = COALESCE(?, steps), dataset = COALESCE(?, dataset), holdout = COALESCE(?, holdout),
      candidate = COALESCE(?, candidate) WHERE id = ? AND status = 'running'`)
      .run(p.now, p.steps === undefined ? null : JSON.stringify(p.steps), p.dataset ?? null, p.holdout ?? null, p.candidate ?? null, runId);
  }

  async finishRun(runId: string, input: FinishRunInput): Promise<PipelineRun> {
    return this.db.transaction(() => {
      const run = this.readRun(runId);
      if (run.status !== 'running') {
        throw new ConflictError('run-finished', `pipeline run ${runId} already ended (${run.status}${run.error ? `: ${run.error}` : ''})`, { run: runId, status: run.status });
      }
      this.end(run, input.status, input.now, input.error ?? null, input.watermark);
      return this.readRun(runId);
    }).immediate();
  }

  /** Ends a run and moves its pipeline's watermark to it (the feedback part only when the run read feedback). */
  private end(run: PipelineRun, status: FinishRunInput['status'], now: number, error: string | null, watermark: FinishRunInput['watermark']): void {
    this.db.prepare('UPDATE pl_runs SET status = ?, finished_at = ?, heartbeat_at = ?, error = ? WHERE id = ?').run(status, now, now, error, run.id);
    this.db.prepare(`UPDATE pl_pipelines SET last_run_id = ?, last_run_time = ?,
      last_feedback_id = COALESCE(?, last_feedback_id), last_feedback_count = COALESCE(?, last_feedback_count) WHERE name = ?`)
      .run(run.id, run.startedAt, watermark?.feedbackId ?? null, watermark?.feedbackCount ?? null, run.pipeline);
  }

  async getRun(runId: string): Promise<PipelineRun> {
    return this.readRun(runId);
  }

  async listRuns(pipeline: string, limit = 100): Promise<PipelineRun[]> {
    return (this.db.prepare('SELECT * FROM pl_runs WHERE pipeline = ? ORDER BY started_at DESC, id DESC LIMIT ?').all(pipeline, limit) as RunRow[]).map(runFromRow);
  }

  async reapRuns(isGone: (run: PipelineRun) => boolean, now: number): Promise<PipelineRun[]> {
    return this.db.transaction(() => {
      const running = (this.db.prepare(`SELECT * FROM pl_runs WHERE status = 'running'`).all() as RunRow[]).map(runFromRow);
      const gone = running.filter(isGone);
      for (const run of gone) this.end(run, 'failed', now, interruptedError(run), undefined);
      return gone.map((r) => this.readRun(r.id));
    }).immediate();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
