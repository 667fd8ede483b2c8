import type Database from 'better-sqlite3';
import type { DatasetRows, DatasetStats, DatasetVersion } from '../../core/dataset.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import {
  ambiguous, checkSameLevels, DATASET_COLUMNS, datasetIdPrefix, datasetRowValues, decodeStoredRows, newDatasetVersion, notFound, prepareDatasetRows,
} from '../dataset-rules.js';
import type { DescribeDataset, DatasetRegistry, SavedDataset, SaveDatasetOptions } from '../dataset-registry.js';

export interface SqliteDatasetRegistryOptions {
  /** A connection from openSqliteDatabase (pragmas set, migrations applied); closed by close(). */
  readonly db: Database.Database;
  readonly artifacts: ArtifactStore;
  readonly describeDataset: DescribeDataset;
}

interface DatasetRow {
  id: string;
  content_sha256: string;
  artifact_sha256: string;
  source: string;
  created_at: string;
  text_column: string;
  label_columns: string;
  levels: string | null;
  row_count: number;
  stats: string;
}

/** The registry on one SQLite file (WAL mode, so readers never wait for the one writer). */
export class SqliteDatasetRegistry implements DatasetRegistry {
  private readonly db: Database.Database;
  private readonly artifacts: ArtifactStore;
  private readonly describeDataset: DescribeDataset;

  constructor(options: SqliteDatasetRegistryOptions) {
    this.db = options.db;
    this.artifacts = options.artifacts;
    this.describeDataset = options.describeDataset;
  }

  async saveDataset(rows: DatasetRows, source: DatasetVersion['source'], options: SaveDatasetOptions = {}): Promise<SavedDataset> {
    const { bytes, contentSha256 } = prepareDatasetRows(rows, options);
    const existing = this.byContentHash(contentSha256);
    if (existing !== undefined) return { version: checkSameLevels(toVersion(existing), options.levels), created: false };

    const stats = this.describeDataset(rows);
    // Artifact first, row second: a crash in between leaves an unreferenced artifact, never a row
    // pointing at nothing.
    const stored = await this.artifacts.put(bytes);
    const version = newDatasetVersion(rows, contentSha256, source, options, stats);
    const inserted = this.db.transaction(() => this.db.prepare(
      `INSERT INTO datasets (${DATASET_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (content_sha256) DO NOTHING`,
    ).run(...datasetRowValues(version, stored.sha256, rows.texts.length))).immediate();
    if (inserted.changes === 0) {
      // Another process stored the same rows between our check and our insert.
      return { version: checkSameLevels(toVersion(this.byContentHash(contentSha256)!), options.levels), created: false };
    }
    return { version, created: true };
  }

  async getDataset(idOrPrefix: string): Promise<DatasetVersion> {
    return toVersion(this.resolve(idOrPrefix));
  }

  async listDatasets(): Promise<DatasetVersion[]> {
    return this.db.prepare('SELECT * FROM datasets ORDER BY created_at, id').all().map((r) => toVersion(r as DatasetRow));
  }

  async loadDatasetRows(idOrPrefix: string): Promise<DatasetRows> {
    const row = this.resolve(idOrPrefix);
    const bytes = await this.artifacts.get(row.artifact_sha256);
    return decodeStoredRows({ id: row.id, contentSha256: row.content_sha256, artifactSha256: row.artifact_sha256 }, bytes, this.artifacts.locate(row.artifact_sha256));
  }

  async listUnreferencedArtifacts(): Promise<string[]> {
    const referenced = new Set(this.db.prepare('SELECT artifact_sha256 FROM datasets').pluck().all() as string[]);
    return (await this.artifacts.list()).filter((sha) => !referenced.has(sha));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private resolve(idOrPrefix: string): DatasetRow {
    const prefix = datasetIdPrefix(idOrPrefix);
    // The prefix is validated hex, so it is safe as a GLOB pattern (and GLOB can use the primary key index).
    const matches = this.db.prepare('SELECT * FROM datasets WHERE id GLOB ? ORDER BY id LIMIT 6').all(`${prefix}*`) as DatasetRow[];
    if (matches.length === 0) throw notFound(idOrPrefix);
    if (matches.length > 1) throw ambiguous(idOrPrefix, matches.map((m) => m.id));
    return matches[0]!;
  }

  private byContentHash(contentSha256: string): DatasetRow | undefined {
    return this.db.prepare('SELECT * FROM datasets WHERE content_sha256 = ?').get(contentSha256) as DatasetRow | undefined;
  }

}

function toVersion(row: DatasetRow): DatasetVersion {
  const levels = row.levels === null ? undefined : (JSON.parse(row.levels) as number[]);
  return {
    id: row.id,
    contentSha256: row.content_sha256,
    source: JSON.parse(row.source) as DatasetVersion['source'],
    createdAt: row.created_at,
    textColumn: row.text_column,
    labelColumns: JSON.parse(row.label_columns) as string[],
    ...(levels !== undefined ? { levels } : {}),
    stats: JSON.parse(row.stats) as DatasetStats,
  };
}
