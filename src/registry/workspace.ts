import type { ArtifactStore } from './artifacts/artifact-store.js';
import type { DatasetRegistry } from './dataset-registry.js';
import type { DeploymentStore } from './deployment-store.js';
import type { ModelRegistry } from './model-registry.js';

/** The whole registry a workspace offers: datasets, models and deployments, on one back-end and one artifact store. */
export interface Workspace extends DatasetRegistry, ModelRegistry {
  readonly artifacts: ArtifactStore;
  /** Serving deployments and their history, in the same database (closed with the workspace). */
  readonly deployments: DeploymentStore;
}

/** The parts of a workspace on one back-end (see sqlite/open-workspace.ts, postgres/open-workspace.ts). */
export interface WorkspaceParts {
  readonly datasets: DatasetRegistry;
  readonly models: ModelRegistry;
  readonly artifacts: ArtifactStore;
  readonly deployments: DeploymentStore;
  /** Closes the back-end (the connection or pool all parts share). */
  readonly close: () => void;
}

/**
 * Every method of each contract, by name. The mapped types make these lists exactly the contracts'
 * members: a method added to DatasetRegistry or ModelRegistry and not listed here (or listed and
 * not in the contract) fails to compile, so the workspace cannot silently stop forwarding one.
 */
export const DATASET_METHODS: { readonly [K in keyof DatasetRegistry]: true } = {
  saveDataset: true, getDataset: true, listDatasets: true, loadDatasetRows: true, listUnreferencedArtifacts: true, close: true,
};
export const MODEL_METHODS: { readonly [K in keyof ModelRegistry]: true } = {
  registerModelVersion: true, getModelVersion: true, listModels: true, listModelVersions: true, listAliases: true, resolveModel: true,
  readModelArtifact: true, locateModelArtifact: true, setAlias: true, deleteAlias: true, approveVersion: true, rejectVersion: true,
  rollbackAlias: true, deleteModelVersion: true, auditLog: true, lineage: true, changeMark: true, referencedModelArtifacts: true,
};

/** The contract's methods of `impl`, bound to it: nothing else of the adapter (no private helper) leaks out. */
function methodsOf<T extends object>(impl: T, names: { readonly [K in keyof T]: true }): T {
  const out: Partial<Record<keyof T, unknown>> = {};
  for (const name of Object.keys(names) as (keyof T)[]) {
    const member = impl[name];
    if (typeof member !== 'function') throw new TypeError(`${String(name)} is not a method of ${impl.constructor.name}`);
    out[name] = member.bind(impl);
  }
  return out as T;
}

/**
 * Joins a dataset registry and a model registry on the same back-end into one Workspace. The only
 * behaviour of its own: an artifact is unreferenced only when neither datasets nor models refer to it.
 */
export function composeWorkspace(parts: WorkspaceParts): Workspace {
  return {
    ...methodsOf(parts.datasets, DATASET_METHODS),
    ...methodsOf(parts.models, MODEL_METHODS),
    artifacts: parts.artifacts,
    deployments: parts.deployments,
    async listUnreferencedArtifacts(): Promise<string[]> {
      // The dataset side lists the store first; model references are read after it, so a model
      // registered meanwhile is counted as referenced.
      const notByDatasets = await parts.datasets.listUnreferencedArtifacts();
      const byModels = await parts.models.referencedModelArtifacts();
      return notByDatasets.filter((sha) => !byModels.has(sha));
    },
    close: parts.close,
  };
}
