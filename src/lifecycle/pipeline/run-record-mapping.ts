import { randomBytes } from 'node:crypto';
import type { PipelineRun, PipelineState, RunStatus, RunStep, RunTrigger } from './pipeline-store.js';

/**
 * Rows of the pl_pipelines / pl_runs tables as both adapters read them (SQLite and PostgreSQL
 * name the columns alike), and back. Times are epoch ms in both, steps a JSON array.
 */
export interface RunRow {
  readonly id: string;
  readonly pipeline: string;
  readonly trigger: string;
  readonly actor: string;
  readonly started_at: number | string;
  readonly finished_at: number | string | null;
  readonly status: string;
  readonly steps: string;
  readonly dataset: string | null;
  /** Added by migration 2. */
  readonly holdout: string | null;
  readonly candidate: string | null;
  readonly error: string | null;
  readonly owner_host: string;
  readonly owner_pid: number;
  readonly heartbeat_at: number | string;
}

export interface PipelineRow {
  readonly name: string;
  readonly since: number | string;
  readonly paused: number | boolean;
  readonly paused_by: string | null;
  readonly paused_at: number | string | null;
  readonly pause_reason: string | null;
  readonly last_run_id: string | null;
  readonly last_run_time: number | string | null;
  readonly last_feedback_id: number | string;
  readonly last_feedback_count: number | string;
  readonly active_run_id: string | null;
}

// PostgreSQL returns BIGINT as a string; both fit a double exactly (epoch ms, ids).
const num = (v: number | string): number => Number(v);
const optNum = (v: number | string | null): number | null => (v === null ? null : Number(v));

export function runFromRow(r: RunRow): PipelineRun {
  return {
    id: r.id, pipeline: r.pipeline, trigger: r.trigger as RunTrigger, actor: r.actor,
    startedAt: num(r.started_at), finishedAt: optNum(r.finished_at), status: r.status as RunStatus,
    steps: JSON.parse(r.steps) as RunStep[], dataset: r.dataset, holdout: r.holdout ?? null, candidate: r.candidate, error: r.error,
    owner: { host: r.owner_host, pid: r.owner_pid }, heartbeatAt: num(r.heartbeat_at),
  };
}

export function stateFromRow(r: PipelineRow): PipelineState {
  return {
    pipeline: r.name, since: num(r.since), paused: Boolean(r.paused), pausedBy: r.paused_by, pausedAt: optNum(r.paused_at), pauseReason: r.pause_reason,
    lastRun: r.last_run_id === null || r.last_run_time === null ? null : {
      runId: r.last_run_id, time: num(r.last_run_time), feedbackId: num(r.last_feedback_id), feedbackCount: num(r.last_feedback_count),
    },
    activeRunId: r.active_run_id,
  };
}

/** `run-20261205T091500123Z-a1b2c3`: sorts by start time, unique across processes. */
export function newRunId(now: number): string {
  return `run-${new Date(now).toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
}

/** What a run reaped as interrupted says: who owned it and when it was last seen alive. */
export function interruptedError(run: PipelineRun): string {
  return `interrupted: its process (pid ${run.owner.pid} on ${run.owner.host}) stopped before the run finished; last heartbeat ${new Date(run.heartbeatAt).toISOString()}`;
}
