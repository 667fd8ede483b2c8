import type { DatasetRows, DatasetStats, DatasetVersion } from '../core/dataset.js';

/**
 * The dataset half of the registry: immutable, content-addressed dataset versions. The sqlite/ and
 * postgres/ adapters (dataset-registry.ts in each) pass the same contract suite
 * (test/registry/datasets/). Methods are async because the PostgreSQL adapter can only be; the
 * SQLite one simply resolves at once.
 */
export interface DatasetRegistry {
  /**
   * Stores a dataset version: the rows as a content-addressed artifact (written first), then its
   * metadata in one transaction, so a crash leaves at most an unreferenced artifact. The same rows
   * give the same version: then nothing is written and `created` is false.
   * Throws ConflictError when the version exists with different `levels`.
   */
  saveDataset(rows: DatasetRows, source: DatasetVersion['source'], options?: SaveDatasetOptions): Promise<SavedDataset>;
  /** A dataset version by its id or a unique prefix of it (with or without "ds-"). NotFoundError otherwise. */
  getDataset(idOrPrefix: string): Promise<DatasetVersion>;
  /** All dataset versions, oldest first. */
  listDatasets(): Promise<DatasetVersion[]>;
  /** The rows of a dataset version, read back from its artifact (hash-verified). */
  loadDatasetRows(idOrPrefix: string): Promise<DatasetRows>;
  /** Artifacts in the store that nothing in the registry refers to (left by a crash between the two writes). */
  listUnreferencedArtifacts(): Promise<string[]>;
  close(): void;
}

export interface SaveDatasetOptions {
  /** Prefix lengths of hierarchical labels (HS codes: [2, 4, 6]); strictly increasing, >= 1. */
  readonly levels?: readonly number[];
}

export interface SavedDataset {
  readonly version: DatasetVersion;
  readonly created: boolean;
}

/**
 * Computes dataset statistics. Injected into adapters (registry/ may only import core, and the
 * statistics need text normalisation from text/), wired up in src/platform.ts (the composition root).
 */
export type DescribeDataset = (rows: DatasetRows) => DatasetStats;
