import type { Settings } from '../config/config.js';
import { InputError } from '../core/errors.js';
import type { MonitoringStore } from '../monitoring/store/monitoring-store.js';
import type { ModelVersionRecord } from '../registry/model-registry.js';
import { affectedClasses, type AffectedReport } from '../taxonomy/affected-classes.js';
import { classifyCorrelation, type ChangeKind } from '../taxonomy/correlation-kinds.js';
import { taxonomyOfTags } from '../taxonomy/model-taxonomy.js';
import { openPgTaxonomyStore } from '../taxonomy/postgres/open-taxonomy-store.js';
import { readCorrelationFile, type CorrelationColumns } from '../taxonomy/read-correlation-file.js';
import { readTaxonomyFile, type TaxonomyColumns } from '../taxonomy/read-taxonomy-file.js';
import { remapDataset, splitRowsForReview, type RemappedDataset } from '../taxonomy/remap-dataset.js';
import { openSqliteTaxonomyStore } from '../taxonomy/sqlite/open-taxonomy-store.js';
import { taxonomyRefOf, type CorrelationTable, type TaxonomyVersion } from '../taxonomy/taxonomy.js';
import type { TaxonomyStore } from '../taxonomy/taxonomy-store.js';
import type { PublishOptions } from './event-publisher.js';
import { withMonitoringStore } from './monitoring-store.js';
import { withReviewQueue } from './review-queue.js';
import { splitRowsAsRouted } from './split-rows-review.js';
import { withWorkspace } from './workspace.js';

type StoreSettings = Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'> & Partial<Pick<Settings, 'busUrl'>>;

/** The taxonomy store beside the registry: tax_* tables in `<home>/lading.db`, or in the registry's PostgreSQL schema. */
export async function openPlatformTaxonomyStore(settings: StoreSettings): Promise<TaxonomyStore> {
  if (settings.registryUrl !== undefined && settings.registryUrl !== '') return openPgTaxonomyStore({ url: settings.registryUrl, schema: settings.registrySchema });
  return openSqliteTaxonomyStore(settings.home);
}

/** Opens the taxonomy store, runs `work`, always closes it. */
export async function withTaxonomyStore<T>(settings: StoreSettings, work: (store: TaxonomyStore) => Promise<T>): Promise<T> {
  const store = await openPlatformTaxonomyStore(settings);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

export interface ChangeBy {
  readonly actor: string;
  readonly reason?: string | undefined;
}

/** Reads a taxonomy file (every row checked first) and stores it as the next version of `name` when its content changed. */
export async function importTaxonomyFile(settings: StoreSettings, input: { readonly name: string; readonly file: string; readonly columns?: TaxonomyColumns } & ChangeBy):
  Promise<{ readonly version: TaxonomyVersion; readonly created: boolean }> {
  const content = await readTaxonomyFile(input.file, input.columns);
  return withTaxonomyStore(settings, (store) => store.importTaxonomy(input.name, content, { actor: input.actor, reason: input.reason, source: input.file }));
}

export interface MapTaxonomyInput extends ChangeBy {
  readonly from: string;
  readonly to: string;
  readonly file: string;
  readonly columns?: CorrelationColumns;
  /** A dataset version to remap into the new taxonomy. */
  readonly dataset?: string | undefined;
  /** A registered model (NAME, NAME@ALIAS, NAME@N) whose classes and recent traffic are checked. */
  readonly model?: string | undefined;
  /** Start of "recent traffic" for the model (epoch ms); default: the whole log. */
  readonly since?: number | undefined;
  /** The review-queue endpoint the dataset's split rows go to (default: the new taxonomy's name). */
  readonly reviewEndpoint?: string | undefined;
  readonly publish?: PublishOptions;
}

export interface MapTaxonomyOutcome {
  readonly table: CorrelationTable;
  readonly created: boolean;
  /** Old codes of the table by kind of change. */
  readonly kinds: Readonly<Record<ChangeKind, number>>;
  readonly dataset?: {
    readonly base: string;
    readonly id: string;
    readonly created: boolean;
    readonly result: RemappedDataset;
    /** The split rows as review items (text, candidate codes, why). */
    readonly review: ReturnType<typeof splitRowsForReview>;
    /** Where they went in the review queue: occurrences added, and those already there (the same map run before). */
    readonly queued: { readonly endpoint: string; readonly added: number; readonly duplicates: number };
  };
  readonly model?: {
    readonly name: string;
    readonly version: number;
    readonly since: number | null;
    /** The taxonomy the version records (tag `taxonomy`), null when none: a value other than OLD deserves a look. */
    readonly taxonomy: string | null;
  } & AffectedReport;
}

/**
 * `lading taxonomy map`: stores the correlation table between two stored versions (checked row by
 * row first; a bad table stores nothing) and, when asked, remaps a dataset version into the new
 * taxonomy (a new dataset version whose source names the table) and reports which classes of a
 * model the change touches and what share of its recent answers named one of them. The dataset and
 * the model are looked up before anything is stored, so a typo there stores nothing either.
 */
export async function mapTaxonomy(settings: StoreSettings, input: MapTaxonomyInput): Promise<MapTaxonomyOutcome> {
  const pairs = await readCorrelationFile(input.file, input.columns);
  return withTaxonomyStore(settings, async (store) => {
    const from = await store.getTaxonomy(input.from);
    const to = await store.getTaxonomy(input.to);
    return withWorkspace(settings, async (ws) => {
      const base = input.dataset !== undefined ? await ws.getDataset(input.dataset) : undefined;
      const model = input.model !== undefined ? await ws.resolveModel(input.model) : undefined;
      const { table, created } = await store.saveCorrelation(from, to, pairs, { actor: input.actor, reason: input.reason, source: input.file });
      const kinds: Record<ChangeKind, number> = { 'one-to-one': 0, 'many-to-one': 0, 'one-to-many': 0 };
      for (const change of classifyCorrelation(table.pairs).values()) kinds[change.kind]++;
      const newCodes = await store.getCodes(taxonomyRefOf(to));
      let dataset: MapTaxonomyOutcome['dataset'];
      if (base !== undefined) {
        const result = remapDataset({ rows: await ws.loadDatasetRows(base.id), datasetId: base.id, table, newTaxonomy: { parentLevels: to.parentLevels, codes: newCodes } });
        if (result.rows.texts.length === 0) {
          throw new InputError('empty-remap', `no row of ${base.id} maps into ${taxonomyRefOf(to)}: every label was split or unmapped; no dataset was stored`,
            { dataset: base.id, correlation: table.id }, 'Check that the dataset and the table belong to the same taxonomy.');
        }
        const saved = await ws.saveDataset(result.rows, { file: result.lineage, format: base.source.format }, base.levels !== undefined ? { levels: base.levels } : {});
        // After the dataset is stored: the table, the dataset and these occurrences are all idempotent, so a failure here is mended by running the map again.
        const endpoint = input.reviewEndpoint ?? to.name;
        const routed = splitRowsAsRouted(result, table, saved.version.id, endpoint, Date.now());
        const queued = routed.length === 0 ? { added: 0, duplicates: 0 } : await withReviewQueue(settings, (queue) => queue.enqueue(routed));
        dataset = { base: base.id, id: saved.version.id, created: saved.created, result, review: splitRowsForReview(result, table), queued: { endpoint, ...queued } };
      }
      let affected: MapTaxonomyOutcome['model'];
      if (model !== undefined) {
        const counts = await withMonitoringStore(settings, (mon) => recentLabelCounts(mon, model, input.since));
        const report = affectedClasses({ labels: model.labels, table, newCodes: new Set(newCodes.map((c) => c.code)), predictionCounts: counts });
        affected = { name: model.model, version: model.version, since: input.since ?? null, taxonomy: taxonomyOfTags(model.tags) ?? null, ...report };
      }
      return { table, created, kinds, ...(dataset !== undefined ? { dataset } : {}), ...(affected !== undefined ? { model: affected } : {}) };
    }, input.publish !== undefined ? { publish: input.publish } : {});
  });
}

/** How often the model version answered each label, over every endpoint that logged it (primary answers only). */
async function recentLabelCounts(store: MonitoringStore, model: ModelVersionRecord, since: number | undefined): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { endpoint } of await store.listLoggedEndpoints()) {
    for await (const page of store.scanPredictionColumns({ endpoint, since, modelSha256: model.artifactSha256 })) {
      for (const label of page.label) counts.set(label, (counts.get(label) ?? 0) + 1);
    }
  }
  return counts;
}

/**
 * What `train --taxonomy` and `models register --taxonomy` look up before registering: the version
 * the labels belong to (its tag goes on the model version) and its codes, to report the model's
 * labels the taxonomy lacks (model-taxonomy.ts labelsOutsideTaxonomy).
 */
export async function loadTaxonomyCodes(settings: StoreSettings, ref: string): Promise<{ readonly version: TaxonomyVersion; readonly codes: ReadonlySet<string> }> {
  return withTaxonomyStore(settings, async (store) => {
    const version = await store.getTaxonomy(ref);
    return { version, codes: new Set((await store.getCodes(taxonomyRefOf(version))).map((c) => c.code)) };
  });
}
