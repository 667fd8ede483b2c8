import type pg from 'pg';
import type { DatasetRows, DatasetStats, DatasetVersion } from '../../core/dataset.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import {
  ambiguous, checkSameLevels, DATASET_COLUMNS, datasetIdPrefix, datasetRowValues, decodeStoredRows, newDatasetVersion, notFound, prepareDatasetRows,
} from '../dataset-rules.js';
import type { DescribeDataset, DatasetRegistry, SavedDataset, SaveDatasetOptions } from '../dataset-registry.js';

interface DatasetRow {
  id: string;
  content_sha256: string;
  artifact_sha256: string;
  source: DatasetVersion['source'];
  created_at: Date;
  text_column: string;
  label_columns: string[];
  levels: number[] | null;
  row_count: number;
  stats: DatasetStats;
}

/**
 * The dataset half of the DatasetRegistry contract on PostgreSQL; behaves as sqlite/dataset-registry.ts
 * does (same rules, same errors), checked by the same contract suite.
 */
export class PgDatasetRegistry implements DatasetRegistry {
  constructor(
    private readonly pool: pg.Pool,
    private readonly artifacts: ArtifactStore,
    private readonly describeDataset: DescribeDataset,
    private readonly closePool: () => void,
  ) {}

  async saveDataset(rows: DatasetRows, source: DatasetVersion['source'], options: SaveDatasetOptions = {}): Promise<SavedDataset> {
    const { bytes, contentSha256 } = prepareDatasetRows(rows, options);
    const existing = await this.byContentHash(contentSha256);
    if (existing !== undefined) return { version: checkSameLevels(toVersion(existing), options.levels), created: false };
    const stats = this.describeDataset(rows);
    // Artifact first, row second: a crash in between leaves an unreferenced artifact only.
    const stored = await this.artifacts.put(bytes);
    const version = newDatasetVersion(rows, contentSha256, source, options, stats);
    const inserted = await this.pool.query(
      `INSERT INTO datasets (${DATASET_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (content_sha256) DO NOTHING`,
      datasetRowValues(version, stored.sha256, rows.texts.length));
    if (inserted.rowCount === 0) {
      return { version: checkSameLevels(toVersion((await this.byContentHash(contentSha256))!), options.levels), created: false };
    }
    return { version, created: true };
  }

  async getDataset(idOrPrefix: string): Promise<DatasetVersion> {
    return toVersion(await this.resolve(idOrPrefix));
  }

  async listDatasets(): Promise<DatasetVersion[]> {
    return (await this.pool.query<DatasetRow>('SELECT * FROM datasets ORDER BY created_at, id')).rows.map(toVersion);
  }

  async loadDatasetRows(idOrPrefix: string): Promise<DatasetRows> {
    const row = await this.resolve(idOrPrefix);
    const bytes = await this.artifacts.get(row.artifact_sha256);
    return decodeStoredRows({ id: row.id, contentSha256: row.content_sha256, artifactSha256: row.artifact_sha256 }, bytes, this.artifacts.locate(row.artifact_sha256));
  }

  async listUnreferencedArtifacts(): Promise<string[]> {
    const stored = await this.artifacts.list();
    const referenced = new Set((await this.pool.query<{ artifact_sha256: string }>('SELECT artifact_sha256 FROM datasets')).rows.map((r) => r.artifact_sha256));
    return stored.filter((sha) => !referenced.has(sha));
  }

  close(): void {
    this.closePool();
  }

  private async resolve(idOrPrefix: string): Promise<DatasetRow> {
    const prefix = datasetIdPrefix(idOrPrefix);
    // The prefix is validated hex: safe in a LIKE pattern.
    const matches = (await this.pool.query<DatasetRow>('SELECT * FROM datasets WHERE id LIKE $1 ORDER BY id LIMIT 6', [`${prefix}%`])).rows;
    if (matches.length === 0) throw notFound(idOrPrefix);
    if (matches.length > 1) throw ambiguous(idOrPrefix, matches.map((m) => m.id));
    return matches[0]!;
  }

  private async byContentHash(contentSha256: string): Promise<DatasetRow | undefined> {
    return (await this.pool.query<DatasetRow>('SELECT * FROM datasets WHERE content_sha256 = $1', [contentSha256])).rows[0];
  }
}

function toVersion(row: DatasetRow): DatasetVersion {
  return {
    id: row.id,
    contentSha256: row.content_sha256,
    source: row.source,
    createdAt: row.created_at.toISOString(),
    textColumn: row.text_column,
    labelColumns: row.label_columns,
    ...(row.levels !== null ? { levels: row.levels } : {}),
    stats: row.stats,
  };
}
