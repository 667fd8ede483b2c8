import type Database from 'better-sqlite3';
import type { DatasetRows, DatasetStats, DatasetVersion } from '../../core/dataset.js';
import { datasetIdFromHash } from '../../core/dataset.js';
import { decodeDatasetRows, encodeDatasetRows } from '../../core/dataset-codec.js';
import { ArtifactError, InputError } from '../../core/errors.js';
import { sha256Hex } from '../../core/hash.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { ambiguous, checkLevelsShape, checkSameLevels, datasetIdPrefix, notFound } from '../dataset-ref.js';
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
    checkRowsShape(rows);
    if (options.levels !== undefined) checkLevelsShape(options.levels);
    const bytes = encodeDatasetRows(rows);
    const contentSha256 = sha256Hex(bytes);
    const existing = this.byContentHash(contentSha256);
    if (existing !== undefined) return { version: checkSameLevels(toVersion(existing), options.levels), created: false };

    const stats = this.describeDataset(rows);
    // Artifact first, row second: a crash in between leaves an unreferenced artifact, never a row
    // pointing at nothing.
    const stored = await this.artifacts.put(bytes);
    const version: DatasetVersion = {
      id: datasetIdFromHash(contentSha256),
      contentSha256,
      source: { file: source.file, format: source.format },
      createdAt: new Date().toISOString(),
      textColumn: rows.textColumn,
      labelColumns: [...rows.labelColumns],
      ...(options.levels !== undefined && options.levels.length > 0 ? { levels: [...options.levels] } : {}),
      stats,
    };
    const inserted = this.db.transaction(() => this.db.prepare(
      `INSERT INTO datasets (id, content_sha256, artifact_sha256, source, created_at, text_column, label_columns, levels, row_count, stats)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (content_sha256) DO NOTHING`,
    ).run(
      version.id, contentSha256, stored.sha256, JSON.stringify(version.source), version.createdAt, version.textColumn,
      JSON.stringify(version.labelColumns), version.levels ? JSON.stringify(version.levels) : null, rows.texts.length, JSON.stringify(stats),
    )).immediate();
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
    const rows = decodeDatasetRows(bytes, this.artifacts.locate(row.artifact_sha256));
    if (sha256Hex(encodeDatasetRows(rows)) !== row.content_sha256) {
      throw new ArtifactError('dataset-artifact-mismatch', `dataset ${row.id}: its artifact does not hold the rows it was registered with`,
        { dataset: row.id, artifact: row.artifact_sha256 });
    }
    return rows;
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

function checkRowsShape(rows: DatasetRows): void {
  if (rows.labelColumns.length === 0) throw new InputError('bad-dataset', 'a dataset needs at least one label column', {});
  if (rows.texts.length === 0) throw new InputError('bad-dataset', 'a dataset needs at least one row', {});
  for (const column of rows.labelColumns) {
    const values = rows.labels[column];
    if (values === undefined || values.length !== rows.texts.length) {
      throw new InputError('bad-dataset', `label column "${column}" has ${values?.length ?? 0} values for ${rows.texts.length} texts`, { column });
    }
  }
}
