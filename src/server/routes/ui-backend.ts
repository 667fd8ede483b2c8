import type { DeploymentControl } from '../../lifecycle/deployment-control.js';
import type { ReleaseDecision } from '../../lifecycle/release/release-decision.js';
import type { ReleaseEvidence } from '../../lifecycle/release/release-evidence.js';
import type { ReleaseRecord } from '../../lifecycle/release/release-record.js';
import type { AlertStore } from '../../monitoring/store/monitoring-store.js';
import type { ModelRegistry } from '../../registry/model-registry.js';

/** The registry operations the dashboard reads and the two it performs (the same ones `lading models approve|reject` runs). */
export type UiRegistry = Pick<ModelRegistry, 'listModels' | 'listModelVersions' | 'listAliases' | 'approveVersion' | 'rejectVersion' | 'auditLog' | 'lineage' | 'changeMark'>;

/** What the dashboard's JSON API works on; each part is optional and its routes answer 404 without it. */
export interface UiBackend {
  /** The built web app (Vite's output folder), served at /ui; undefined = API only. */
  readonly webDir?: string | undefined;
  readonly registry?: UiRegistry | undefined;
  /** Deployment history and rollback (the same DeploymentControl `lading deploy rollback` uses). */
  readonly deployments?: DeploymentControl | undefined;
  /** The alert history the monitor writes. */
  readonly alerts?: AlertStore | undefined;
  /** The prediction log read as consecutive windows: drift, estimated and real accuracy over time. */
  readonly monitoring?: UiMonitoring | undefined;
  /** Releases (shadow, canary, the sequential test) and what their evidence says now. */
  readonly experiments?: UiExperiments | undefined;
  /** A version's evaluation figures, assembled where training's functions may be imported (platform/version-evaluation.ts). */
  readonly evaluation?: UiEvaluation | undefined;
  /** Pipeline specs and their runs with steps and gate results (read-only). */
  readonly pipelines?: UiPipelines | undefined;
}

/** NotFoundError naming the model or version when there is none. */
export interface UiEvaluation {
  evaluate(model: string, version: number): Promise<object>;
}

export interface UiPipelines {
  /** Every pipeline with its newest runs, newest first. */
  list(runsPerPipeline: number): Promise<object>;
}

/** The release store's reads and the runner's inspection, as `lading experiment list|show` use them. */
export interface UiExperiments {
  /** Newest first. */
  list(endpoint?: string, limit?: number): Promise<ReleaseRecord[]>;
  get(id: number): Promise<ReleaseRecord | undefined>;
  /** Null once the release is final or before its first step landed. */
  inspect(release: ReleaseRecord): Promise<{ evidence: ReleaseEvidence; decision: ReleaseDecision } | null>;
}

/** One variant (and model version) in one window of an endpoint's log. */
export interface TimelineVariant {
  readonly variant: string;
  readonly model: string;
  readonly version: string;
  readonly predictions: number;
  /** CBPE estimate from the model's reference profile; null without a profile. */
  readonly estimatedAccuracy: number | null;
  /** On the window's predictions that got a label; null without labels. */
  readonly realAccuracy: number | null;
  readonly labelled: number;
  /** Each drift test against the reference profile; empty without a profile. */
  readonly drift: ReadonlyArray<{ readonly name: string; readonly value: number; readonly threshold: number; readonly drift: boolean }>;
  readonly separatingTokens: readonly string[];
}

export interface TimelineWindow {
  readonly since: number;
  readonly until: number;
  readonly variants: readonly TimelineVariant[];
  /**
   * Set (true) while the window's figures are still being computed behind the answer: its variants
   * are empty when its predictions were not read yet, its real accuracy null and labelled 0 when
   * only the labels were not. Absent on a complete window. Ask again in a few seconds.
   */
  readonly pending?: true;
}

/** Windows the Monitoring page asks for (and GET /v1/ui/monitoring/ENDPOINT gives without `windows`). */
export const DEFAULT_TIMELINE_WINDOWS = 8;

export interface UiMonitoring {
  /** Endpoints with a prediction log, with their row counts and time span. */
  endpoints(): Promise<Array<{ endpoint: string; rows: number; first: number; last: number }>>;
  /** The endpoint's logged span cut on a fixed time grid into about `windows` windows (at most one more), oldest first. */
  timeline(endpoint: string, windows: number): Promise<readonly TimelineWindow[]>;
}
