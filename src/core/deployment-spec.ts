/**
 * The shape of a deployment: an endpoint name and the variants behind it. A domain type shared by
 * serving (which validates and applies it, serving/deployment.ts) and the registry (which stores
 * its history and reads model refs out of it for lineage).
 */
export type DeploymentMode = 'single' | 'ab' | 'canary' | 'shadow' | 'blue-green';

export interface VariantSpec {
  readonly name: string;
  /** A model reference: an artifact path, or a registry ref `name`, `name@alias`, `name@3`. */
  readonly model: string;
  /** Share of primary traffic (relative to the other primaries); ignored for shadows. */
  readonly weight: number;
  readonly role: 'primary' | 'shadow';
}

export interface DeploymentSpec {
  readonly endpoint: string;
  readonly mode: DeploymentMode;
  readonly variants: readonly VariantSpec[];
  /**
   * false: the prediction log keeps only each text's sha256 for this endpoint, never the text (for
   * customers whose goods descriptions are confidential; feedback still joins by text hash).
   * Absent: the serving process's `logText` setting decides.
   */
  readonly logText?: boolean;
  /**
   * Decide or route: each answer carries `decision` "auto" when its top-1 reaches this precision by
   * the model's per-class thresholds (core/decision-policy.ts), "review" otherwise. Strictly between
   * 0 and 1. Absent: the serving process's `targetPrecision` setting decides (none: no decisions).
   */
  readonly targetPrecision?: number;
  /**
   * The endpoint's active taxonomy (`hs2022@1`): answers carry each code's official description,
   * and a model never answers a code the taxonomy lacks (its best valid one, or "review").
   * Absent: the serving process's `servingTaxonomy` setting decides (none: labels as they are).
   */
  readonly taxonomy?: string;
  /**
   * A correlation table's id: the variants' answers go through it (old codes to new) during a
   * taxonomy transition; its new taxonomy is the active one. Absent: the `servingRemap` setting.
   */
  readonly remap?: string;
}
