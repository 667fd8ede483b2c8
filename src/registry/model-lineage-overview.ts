import type { AliasPeriod, DeploymentPeriod, ModelRegistry } from './model-registry.js';

/** One version in a model's lineage: where it came from and every stretch of time it served. */
export interface LineageVersion {
  readonly version: number;
  readonly kind: string;
  readonly datasetId: string | null;
  readonly parentVersion: number | null;
  readonly registeredAt: string;
  readonly registeredBy: string;
  readonly approval: 'pending' | 'approved' | 'rejected';
  readonly deletedAt: string | null;
  /** Validation accuracy as the artifact recorded it (null for imported models without one). */
  readonly validAccuracy: number | null;
  readonly aliasHistory: readonly AliasPeriod[];
  readonly deployments: readonly DeploymentPeriod[];
}

/** A dataset version and the model versions trained on it. */
export interface LineageDataset {
  /** null: versions whose artifact names no dataset (trained from a file, or imported). */
  readonly datasetId: string | null;
  readonly versions: readonly number[];
}

export interface ModelLineageOverview {
  readonly model: string;
  /** Oldest first. */
  readonly versions: readonly LineageVersion[];
  /** In the order their first version was registered. */
  readonly datasets: readonly LineageDataset[];
  /** Versions left out (older than the newest `limit`). */
  readonly omitted: number;
}

/** A person reads a lineage of a few dozen versions; older ones stay reachable through `lading models lineage`. */
export const LINEAGE_VERSIONS_SHOWN = 200;

/**
 * The whole lineage of a model in one answer: dataset version -> model version -> the deployments
 * (endpoint, revision, variant) and alias periods during which each version served. Built from the
 * registry's per-version lineage (deployment-lineage.ts does the matching), newest `limit` versions.
 * An unknown model is the registry's NotFoundError naming it.
 */
export async function modelLineageOverview(registry: Pick<ModelRegistry, 'listModelVersions' | 'lineage'>, model: string, limit = LINEAGE_VERSIONS_SHOWN): Promise<ModelLineageOverview> {
  const all = await registry.listModelVersions(model);
  const shown = all.slice(Math.max(0, all.length - limit));
  const versions: LineageVersion[] = [];
  // One version at a time: each reads the audit log and deployment history, and a registry of
  // PostgreSQL connections should not be asked for two hundred at once.
  for (const v of shown) {
    const l = await registry.lineage(model, v.version);
    versions.push({
      version: v.version, kind: v.kind, datasetId: v.datasetId, parentVersion: v.parentVersion, registeredAt: v.registeredAt, registeredBy: v.registeredBy,
      approval: v.approval.status, deletedAt: v.deletedAt, validAccuracy: v.metrics['validAccuracy'] ?? null,
      aliasHistory: l.aliasHistory, deployments: l.deployments,
    });
  }
  const datasets = new Map<string | null, number[]>();
  for (const v of versions) datasets.set(v.datasetId, [...(datasets.get(v.datasetId) ?? []), v.version]);
  return { model, versions, datasets: [...datasets].map(([datasetId, vs]) => ({ datasetId, versions: vs })), omitted: all.length - shown.length };
}
