/**
 * What the quality gates decided, as the controller records it, the audit log quotes it and
 * `lading pipeline history` shows it. Plain JSON: numbers are finite, absent things are null.
 */

/** A figure of a gate: a number, a name, or a list of named rows (e.g. the classes that dropped). */
export type GateFigure = number | string | boolean | null | ReadonlyArray<Readonly<Record<string, number | string | null>>>;

export type GateName = 'evidence' | 'accuracy' | 'macroF1' | 'classRecall' | 'p99Latency' | 'artifactSize' | 'calibration';

/**
 * Where the texts a comparison gate ran on came from: the pinned golden set, or the newest
 * accepted feedback the run held out of training (what production sees now).
 */
export type GateSource = 'golden' | 'holdout';

export interface GateResult {
  readonly gate: GateName;
  /** The texts a comparison gate ran on; null for budgets measured once (latency, size) or on all texts (calibration). */
  readonly source: GateSource | null;
  readonly passed: boolean;
  /**
   * True when the check did not run because its text set was too small to judge (a held-out set
   * of a few rows): it then passes, and its reason says "skipped: only N rows".
   */
  readonly skipped: boolean;
  /** One sentence with the numbers that decided it. */
  readonly reason: string;
  readonly figures: Readonly<Record<string, GateFigure>>;
}

/** A registered model version as the report names it. */
export interface GateModel {
  readonly model: string;
  readonly version: number;
  readonly kind: string;
  readonly artifactSha256: string;
}

export interface GateTextsCounted {
  /** The golden dataset version as asked for and as resolved; null when the policy names none. */
  readonly golden: { readonly ref: string; readonly datasetId: string; readonly labelColumn: string; readonly texts: number } | null;
  /**
   * The feedback held out of training (its dataset version when the caller saved one); null when
   * none was asked for (feedbackHoldout 0) or given. `skipped`: too few texts, its checks did not run.
   */
  readonly holdout: { readonly datasetId: string | null; readonly texts: number; readonly lineage: string | null; readonly skipped: boolean } | null;
  /** Texts the checks ran on (a skipped set not counted). */
  readonly total: number;
}

export interface GateReport {
  /** True only when every gate passed. */
  readonly passed: boolean;
  readonly candidate: GateModel;
  /** Null on a first release: the comparison gates pass and the budgets still apply. */
  readonly champion: GateModel | null;
  readonly texts: GateTextsCounted;
  readonly results: readonly GateResult[];
  /** The reason of every failed gate, in the order of `results`. */
  readonly reasons: readonly string[];
  readonly checkedAt: string;
}
