import type { DatasetRows, DatasetVersion } from '../core/dataset.js';
import type { ArtifactStore } from './artifacts/artifact-store.js';
import type { DeploymentStore } from './deployment-store.js';
import type {
  AliasChange, AliasMove, AliasRecord, AuditEntry, AuditQuery, ModelLineage, ModelRegistry, ModelSummary, ModelVersionRecord,
  RegisterModelVersionInput, SetAliasInput, VersionDecision,
} from './model-registry.js';
import type { DatasetRegistry, SavedDataset, SaveDatasetOptions } from './dataset-registry.js';

/** The whole registry a workspace offers: datasets, models and deployments, on one back-end and one artifact store. */
export interface Workspace extends DatasetRegistry, ModelRegistry {
  readonly artifacts: ArtifactStore;
  /** Serving deployments and their history, in the same database (closed with the workspace). */
  readonly deployments: DeploymentStore;
}

/**
 * Joins a dataset registry and a model registry on the same back-end into one Workspace. The only
 * behaviour of its own: an artifact is unreferenced only when neither datasets nor models refer to it.
 */
export class CombinedWorkspace implements Workspace {
  constructor(
    private readonly datasets: DatasetRegistry,
    private readonly models: ModelRegistry,
    readonly artifacts: ArtifactStore,
    readonly deployments: DeploymentStore,
    private readonly closeModels: () => void,
  ) {}

  saveDataset(rows: DatasetRows, source: DatasetVersion['source'], options?: SaveDatasetOptions): Promise<SavedDataset> {
    return this.datasets.saveDataset(rows, source, options);
  }
  getDataset(idOrPrefix: string): Promise<DatasetVersion> { return this.datasets.getDataset(idOrPrefix); }
  listDatasets(): Promise<DatasetVersion[]> { return this.datasets.listDatasets(); }
  loadDatasetRows(idOrPrefix: string): Promise<DatasetRows> { return this.datasets.loadDatasetRows(idOrPrefix); }

  async listUnreferencedArtifacts(): Promise<string[]> {
    // The dataset side lists the store first; model references are read after it, so a model
    // registered meanwhile is counted as referenced.
    const notByDatasets = await this.datasets.listUnreferencedArtifacts();
    const byModels = await this.models.referencedModelArtifacts();
    return notByDatasets.filter((sha) => !byModels.has(sha));
  }

  close(): void {
    this.closeModels();
    this.datasets.close();
  }

  registerModelVersion(input: RegisterModelVersionInput): Promise<ModelVersionRecord> { return this.models.registerModelVersion(input); }
  getModelVersion(name: string, version: number): Promise<ModelVersionRecord> { return this.models.getModelVersion(name, version); }
  listModels(): Promise<ModelSummary[]> { return this.models.listModels(); }
  listModelVersions(name: string): Promise<ModelVersionRecord[]> { return this.models.listModelVersions(name); }
  listAliases(name: string): Promise<AliasRecord[]> { return this.models.listAliases(name); }
  resolveModel(ref: string): Promise<ModelVersionRecord> { return this.models.resolveModel(ref); }
  readModelArtifact(record: ModelVersionRecord): Promise<Uint8Array> { return this.models.readModelArtifact(record); }
  locateModelArtifact(record: ModelVersionRecord): string { return this.models.locateModelArtifact(record); }
  setAlias(input: SetAliasInput): Promise<AliasMove> { return this.models.setAlias(input); }
  deleteAlias(input: AliasChange): Promise<void> { return this.models.deleteAlias(input); }
  approveVersion(input: VersionDecision): Promise<ModelVersionRecord> { return this.models.approveVersion(input); }
  rejectVersion(input: VersionDecision): Promise<ModelVersionRecord> { return this.models.rejectVersion(input); }
  rollbackAlias(input: AliasChange): Promise<AliasMove> { return this.models.rollbackAlias(input); }
  deleteModelVersion(input: VersionDecision): Promise<ModelVersionRecord> { return this.models.deleteModelVersion(input); }
  auditLog(query?: AuditQuery): Promise<AuditEntry[]> { return this.models.auditLog(query); }
  lineage(name: string, version: number): Promise<ModelLineage> { return this.models.lineage(name, version); }
  referencedModelArtifacts(): Promise<Set<string>> { return this.models.referencedModelArtifacts(); }
}
