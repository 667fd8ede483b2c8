// The shapes the JSON API answers with (see src/registry and src/server/routes/ui-api.ts).

export interface Approval { status: 'pending' | 'approved' | 'rejected'; by: string | null; at: string | null; reason: string | null }
export interface AliasRecord { model: string; alias: string; version: number; movedAt: string; movedBy: string; servesTraffic: boolean }
export interface ModelVersion {
  model: string; version: number; kind: string; labelCount: number; metrics: Record<string, number>; datasetId: string | null;
  parentVersion: number | null; registeredBy: string; registeredAt: string; approval: Approval; deletedAt: string | null; artifactBytes: number;
}
export interface ModelSummary { name: string; latestVersion: number; versionCount: number; createdAt: string; aliases: AliasRecord[] }

export interface VariantSpec { name: string; model: string; weight?: number; role?: 'primary' | 'shadow' }
export interface DeploymentSpec { endpoint: string; mode: string; variants: VariantSpec[]; [k: string]: unknown }
export interface DeploymentRecord { endpoint: string; revision: number; seq: number; spec: DeploymentSpec | null; action: string; actor: string; reason: string | null; at: string }
export interface DeploymentHistory { endpoint: string; history: DeploymentRecord[]; rollback: { from: number; to: number } | { refused: string } }

export interface AuditEntry { id: number; at: string; actor: string; action: string; model: string; version: number | null; alias: string | null; before: unknown; after: unknown; reason: string | null }
export interface AlertEvent { id: string; state: 'fired' | 'resolved'; rule: string; endpoint: string; variant: string | null; at: number; value: number; threshold: number; message: string }
export interface UiInfo { registry: boolean; deployments: boolean; alerts: boolean; monitoring: boolean; experiments: boolean; review: boolean; pipelines: boolean; tokenRequired: boolean; endpoints: string[] }

export type ReleaseStep = { kind: 'shadow'; requests: number; minAgreement: number } | { kind: 'canary'; percent: number } | { kind: 'blue-green' } | { kind: 'approval' };
export interface ReleaseRecord {
  id: number; endpoint: string; pipeline: string | null; challenger: string; champion: string; status: string; step: number; reason: string;
  plan: { steps: ReleaseStep[]; alpha: number; minEffect: number }; startedAt: number; updatedAt: number; approvedBy: string | null;
  events: Array<{ at: number; what: string; revision?: number }>;
}
interface Traffic { requests: number; slow: number; p99Ms: number | null }
export interface ReleaseEvidence {
  champion: Traffic; challenger: Traffic; compared: number; agreed: number;
  labels: { paired: { n: number; bothRight: number; championOnly: number; challengerOnly: number }; champion: { n: number; right: number }; challenger: { n: number; right: number } };
}
export interface ReleaseDecision {
  action: { kind: string; reason?: string; waitingFor?: string };
  /** Estimate and bounds are null (JSON of NaN, ±Infinity) before both arms have labels; `reason` says it in words. */
  accuracy: { decision: string; reason: string; estimate: number | null; lower: number | null; upper: number | null; labels: number; labelsNeeded: number | null };
}
export interface ReleaseView { release: ReleaseRecord; evidence: ReleaseEvidence | null; decision: ReleaseDecision | null }

export interface TimelineVariant {
  variant: string; model: string; version: string; predictions: number; estimatedAccuracy: number | null; realAccuracy: number | null; labelled: number;
  drift: Array<{ name: string; value: number; threshold: number; drift: boolean }>; separatingTokens: string[];
}
/** pending: still being computed behind the answer (no variants yet, or real accuracy not read yet); ask again. */
export interface TimelineWindow { since: number; until: number; variants: TimelineVariant[]; pending?: true }
export interface LoggedEndpoint { endpoint: string; rows: number; first: number; last: number }

export interface AliasPeriod { alias: string; from: string; until: string | null; movedBy: string }
export interface DeploymentPeriod { endpoint: string; revision: number; variant: string; role: 'primary' | 'shadow'; weight: number; ref: string; from: string; until: string | null }
export interface LineageVersion {
  version: number; kind: string; datasetId: string | null; parentVersion: number | null; registeredAt: string; registeredBy: string;
  approval: Approval['status']; deletedAt: string | null; validAccuracy: number | null; aliasHistory: AliasPeriod[]; deployments: DeploymentPeriod[];
}
export interface ModelLineageOverview { model: string; versions: LineageVersion[]; datasets: Array<{ datasetId: string | null; versions: number[] }>; omitted: number }

export interface ReliabilityBin { lower: number; upper: number; count: number; accuracy: number | null; confidence: number | null }
export interface CoveragePoint { targetAccuracy: number; coverage: number; rows: number; accuracy: number | null; threshold: number | null }
export interface DecisionCheck { target: number; expectedCoverage: number; expectedPrecision: number | null; lowered: number; raised: number }
export interface PredictedClassFigures { label: string; answered: number; precision: number | null; meanConfidence: number | null }
export interface VersionEvaluation {
  model: string; version: number; kind: string; labels: number; datasetId: string | null; metrics: Record<string, number>; validationRows: number;
  hierarchy: Array<{ level: number; accuracy: number }>; calibration: { ece: number; maxCalibrationError: number; bins: ReliabilityBin[] } | null;
  coverageCurve: CoveragePoint[] | null; decisions: DecisionCheck[] | null; perClass: PredictedClassFigures[] | null; costPerMillion: number | null;
  production: ProductionFigures | null; missing: string[];
}

export interface ReviewSuggestion { label: string; score: number; description?: string }
export interface ReviewItem {
  id: number; endpoint: string; text: string; occurrences: number; suggestions: ReviewSuggestion[]; model: string; version: string; variant: string;
  firstSeen: number; lastSeen: number; state: 'open' | 'answered';
  answer: { label: string; actor: string; note: string | null; suggestion: number | null; at: number } | null;
}
export interface ReviewPage { items: ReviewItem[]; nextCursor: string | null }

export interface PipelineRunStep { name: string; startedAt: number; finishedAt: number | null; detail: string | null }
export interface PipelineRun {
  id: string; pipeline: string; trigger: string; actor: string; startedAt: number; finishedAt: number | null; status: 'running' | 'succeeded' | 'failed' | 'gated';
  steps: PipelineRunStep[]; dataset: string | null; holdout: string | null; candidate: string | null; error: string | null;
}
export interface PipelineState { pipeline: string; since: number; paused: boolean; pausedBy: string | null; pausedAt: number | null; pauseReason: string | null; activeRunId: string | null }
export interface PipelineOverview { state: PipelineState; runs: PipelineRun[] }

export interface ClassMetrics { label: string; precision: number; recall: number; f1: number; support: number; predicted: number }
export interface ProductionFigures {
  rows: number; accuracy: number; macroF1: number; perClass: ClassMetrics[];
  topConfusions: Array<{ trueLabel: string; predictedLabel: string; count: number }>; heatmap: { labels: string[]; counts: number[][] };
}
