import { deploymentPeriods } from './deployment-lineage.js';
import type { DeploymentRecord, DeploymentStore } from './deployment-store.js';
import type { AliasPeriod, AuditEntry, DeploymentPeriod, ModelRegistry } from './model-registry.js';
import { aliasPeriods } from './model-rules.js';

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

/** What the overview reads once for all versions when it has the deployment store. */
export interface LineageSources {
  readonly deployments?: Pick<DeploymentStore, 'currentAll' | 'history'> | undefined;
  readonly limit?: number | undefined;
}

/**
 * The whole lineage of a model in one answer: dataset version -> model version -> the deployments
 * (endpoint, revision, variant) and alias periods during which each version served. Built with the
 * same matching as the registry's per-version lineage (deployment-lineage.ts), newest `limit`
 * versions. An unknown model is the registry's NotFoundError naming it.
 *
 * With the deployment store, the model's audit log and every endpoint's history are read once and
 * matched per version in memory. Without it, each version's `registry.lineage` is read, which also
 * walks its whole parent chain: with a nightly retrain chain of 700 versions that was 200 walks of
 * ~600 rows, 2.4-4 s (npm run bench:ui), against a few ms read once.
 */
export async function modelLineageOverview(registry: Pick<ModelRegistry, 'listModelVersions' | 'lineage' | 'auditLog'>, model: string, sources: LineageSources = {}): Promise<ModelLineageOverview> {
  const limit = sources.limit ?? LINEAGE_VERSIONS_SHOWN;
  const all = await registry.listModelVersions(model);
  const shown = all.slice(Math.max(0, all.length - limit));
  const periods = sources.deployments ? await periodsReadOnce(registry, sources.deployments, model) : undefined;
  const versions: LineageVersion[] = [];
  // Without the store, one version at a time: each reads the audit log and deployment history, and
  // a registry of PostgreSQL connections should not be asked for two hundred at once.
  for (const v of shown) {
    const l = periods ? periods(v.version) : await registry.lineage(model, v.version);
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

const AUDIT_PAGE = 10_000;

/**
 * The model's audit entries (oldest first, in pages) and the history of every endpoint, read once;
 * then per version what registry.lineage answers of it. Endpoints that never named the model give
 * no period (deploymentPeriods matches refs), so reading them all changes nothing but the cost.
 */
async function periodsReadOnce(registry: Pick<ModelRegistry, 'auditLog'>, store: Pick<DeploymentStore, 'currentAll' | 'history'>, model: string) {
  const entries: AuditEntry[] = [];
  for (;;) {
    const page = await registry.auditLog({ model, limit: AUDIT_PAGE, ...(entries.length > 0 ? { afterId: entries.at(-1)!.id } : {}) });
    entries.push(...page);
    if (page.length < AUDIT_PAGE) break;
  }
  const records: DeploymentRecord[] = [];
  for (const { endpoint } of await store.currentAll()) records.push(...await store.history(endpoint));
  return (version: number) => {
    const aliasHistory = aliasPeriods(entries, version);
    return { aliasHistory, deployments: deploymentPeriods(model, version, records, aliasHistory) };
  };
}
