/**
 * What a project declares under lading.yaml's `features:`: entities (the things features describe:
 * an importer, a merchant) and feature views (a named, timestamped group of an entity's features,
 * written by `features ingest`, joined point-in-time by `features training-set`). Feast's model,
 * with its names where they fit (entity join key, TTL).
 */
export type FeatureType = 'string' | 'int' | 'float' | 'bool';
export const FEATURE_TYPES: readonly FeatureType[] = ['string', 'int', 'float', 'bool'];

export interface EntitySpec {
  readonly name: string;
  /** The column that holds the entity's key in ingested files and in examples (e.g. `importer_id`). */
  readonly joinKey: string;
  readonly description?: string;
}

export interface FeatureSpec {
  readonly name: string;
  readonly type: FeatureType;
}

export interface FeatureViewSpec {
  readonly name: string;
  readonly entity: EntitySpec;
  /** The column of ingested files that says when each value became true (ISO 8601 or epoch ms). */
  readonly timestampColumn: string;
  /**
   * How long a value stays valid after its timestamp, in ms, counted back from each example's own
   * time (Feast's semantics); an example whose latest value is older gets null. Infinity: forever.
   */
  readonly ttlMs: number;
  readonly features: readonly FeatureSpec[];
  readonly description?: string;
}

/** The declared parts of a view that its identity is taken over: a change to any of them is a new version. */
export function canonicalView(view: FeatureViewSpec): string {
  return JSON.stringify({
    name: view.name, entity: { name: view.entity.name, joinKey: view.entity.joinKey }, timestampColumn: view.timestampColumn,
    ttlMs: Number.isFinite(view.ttlMs) ? view.ttlMs : null, features: view.features.map((f) => [f.name, f.type]),
  });
}
