/**
 * What lading remembers about each pipeline between processes: whether a person paused it, every
 * run with its steps and timings, and the watermark the triggers compare against. The sqlite/ and
 * postgres/ adapters (pipeline-store.ts in each) pass one contract suite
 * (test/lifecycle/pipeline-store-contract.ts).
 */

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'gated';
export type RunTrigger = 'manual' | 'cron' | 'drift' | 'new-labels';

/** One timed step of a run: `data`, `train:linear`, `register`... */
export interface RunStep {
  readonly name: string;
  /** Epoch ms. */
  readonly startedAt: number;
  readonly finishedAt: number | null;
  /** What came of it, for people: "12,034 rows (ds-1a2b...)", "macroF1 0.713". */
  readonly detail: string | null;
}

/** Which process runs a run: a run whose owner died is marked failed (interrupted) by the next one to look. */
export interface RunOwner {
  readonly host: string;
  readonly pid: number;
}

export interface PipelineRun {
  /** `run-` + time + random suffix: sorts by start. */
  readonly id: string;
  readonly pipeline: string;
  readonly trigger: RunTrigger;
  readonly actor: string;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly status: RunStatus;
  readonly steps: readonly RunStep[];
  /** The dataset version the run assembled (`ds-...`), once it has. */
  readonly dataset: string | null;
  /** The dataset version of the newest feedback it held out of training for the gates (`pipeline-NAME-holdout`); null when none. */
  readonly holdout: string | null;
  /** The registered candidate (`model@version`), once there is one. */
  readonly candidate: string | null;
  readonly error: string | null;
  readonly owner: RunOwner;
  /** Epoch ms of the owner's last sign of life. */
  readonly heartbeatAt: number;
}

/** What the triggers compare against: the last finished run (any outcome, so a failing run does not re-fire at once). */
export interface RunWatermark {
  readonly runId: string;
  /** When that run started (epoch ms): cron runs are due after it, drift alerts count after it. */
  readonly time: number;
  /** The highest feedback id the run's data included: labels after it are new. 0 when it used none. */
  readonly feedbackId: number;
  /** How many accepted feedback items the run's data included. */
  readonly feedbackCount: number;
}

export interface PipelineState {
  readonly pipeline: string;
  /** When the store first heard of the pipeline (epoch ms): a cron schedule counts from here before any run. */
  readonly since: number;
  readonly paused: boolean;
  /** Who paused or resumed it last, when, and why. */
  readonly pausedBy: string | null;
  readonly pausedAt: number | null;
  readonly pauseReason: string | null;
  readonly lastRun: RunWatermark | null;
  /** The run in progress, if any. */
  readonly activeRunId: string | null;
}

export interface StartRunInput {
  readonly pipeline: string;
  readonly trigger: RunTrigger;
  readonly actor: string;
  readonly owner: RunOwner;
  readonly now: number;
}

export interface FinishRunInput {
  readonly status: Exclude<RunStatus, 'running'>;
  readonly now: number;
  readonly error?: string | undefined;
  /** Set for runs that got as far as their data: becomes the pipeline's watermark. */
  readonly watermark?: { readonly feedbackId: number; readonly feedbackCount: number } | undefined;
}

export interface RunProgress {
  readonly now: number;
  readonly steps?: readonly RunStep[] | undefined;
  readonly dataset?: string | undefined;
  readonly holdout?: string | undefined;
  readonly candidate?: string | undefined;
}

export interface PipelineStore {
  /** The pipeline's state, creating it (unpaused, `since` = now) the first time a pipeline is named. */
  state(pipeline: string, now: number): Promise<PipelineState>;
  /** Every pipeline the store knows, by name. */
  listStates(): Promise<PipelineState[]>;
  setPaused(pipeline: string, paused: boolean, change: { readonly by: string; readonly reason?: string | undefined; readonly now: number }): Promise<PipelineState>;
  /**
   * Records a new running run. ConflictError (naming the run) when the pipeline has one running
   * already: one run per pipeline at a time, decided inside one transaction.
   */
  startRun(input: StartRunInput): Promise<PipelineRun>;
  /** Records the steps so far, the datasets or candidate, and refreshes the heartbeat. Only a running run changes. */
  recordProgress(runId: string, progress: RunProgress): Promise<void>;
  /** Ends a running run (and sets the watermark); ConflictError if it already ended (e.g. reaped as interrupted). */
  finishRun(runId: string, input: FinishRunInput): Promise<PipelineRun>;
  /** NotFoundError when there is no such run. */
  getRun(runId: string): Promise<PipelineRun>;
  /** Newest first. */
  listRuns(pipeline: string, limit?: number): Promise<PipelineRun[]>;
  /**
   * Marks failed every running run whose owner `isGone` says is gone, with an "interrupted" error;
   * returns them. Called before a run starts and before history is shown, so a killed run never
   * stays `running`.
   */
  reapRuns(isGone: (run: PipelineRun) => boolean, now: number): Promise<PipelineRun[]>;
  close(): Promise<void>;
}
