import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '../config/config.js';
import { InputError } from '../core/errors.js';
import { requireTableFormat } from '../data/file-format.js';
import { parseFeatureDeclarations, type FeatureDeclarations } from '../features/feature-spec-parser.js';
import { readIngestFile } from '../features/ingest-file.js';
import type { ApplyResult, IngestResult, OfflineStore } from '../features/offline-store.js';
import { openSqliteOfflineStore } from '../features/sqlite/offline-store.js';
import { buildTrainingSet, type ExamplesFile, type FeatureRef, type ViewJoinStats } from '../features/training-set.js';
import { checkSkew, materializeView, type MaterializeResult, type SkewReport } from '../features/materialize.js';
import { lookupOnline, type LookupResult } from '../features/online-lookup.js';
import type { OnlineStore } from '../features/online-store.js';
import { openSqliteOnlineStore } from '../features/sqlite/online-store.js';
import type { FeatureViewSpec } from '../features/feature-spec.js';
import { onlineFeatureLookup } from '../features/serving-lookup.js';
import type { FeatureLookup } from '../serving/entity-features.js';
import type { SavedDataset } from '../registry/dataset-registry.js';
import { withWorkspace, type WorkspaceOptions } from './workspace.js';

/**
 * The feature store composed from settings: the offline store (`<home>/features.sqlite`, or fs_*
 * tables in the registry's PostgreSQL schema with a registry URL) and the views declared in
 * lading.yaml's `features:` section.
 */
export type FeatureSettings = Pick<Settings, 'home' | 'registryUrl' | 'registrySchema' | 'features'> & Partial<Pick<Settings, 'onlineStoreUrl'>>;

export interface FeatureFile {
  readonly projectFile?: string | undefined;
  readonly locate?: ((path: readonly (string | number)[]) => string | undefined) | undefined;
}

export function featureStorePath(settings: Pick<Settings, 'home'>): string {
  return join(settings.home, 'features.sqlite');
}

export async function openOfflineStore(settings: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'>): Promise<OfflineStore> {
  if (settings.registryUrl !== undefined && settings.registryUrl !== '') {
    const { openPgOfflineStore } = await import('../features/postgres/offline-store.js');
    return openPgOfflineStore({ url: settings.registryUrl, schema: settings.registrySchema });
  }
  mkdirSync(settings.home, { recursive: true });
  return openSqliteOfflineStore(featureStorePath(settings));
}

export async function withOfflineStore<T>(settings: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'>, work: (store: OfflineStore) => Promise<T>): Promise<T> {
  const store = await openOfflineStore(settings);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** The declared entities and views, checked: a bad section is an InputError naming key and line, before anything is opened. */
export function featureDeclarations(settings: FeatureSettings, file: FeatureFile = {}): FeatureDeclarations {
  return parseFeatureDeclarations(settings.features, { source: file.projectFile, locate: file.locate });
}

/** `lading features apply`: every declared view registered (a new version where it changed). */
export async function applyFeatureViews(settings: FeatureSettings, file: FeatureFile, actor: string, reason?: string): Promise<ApplyResult[]> {
  const { views } = featureDeclarations(settings, file);
  if (views.length === 0) {
    throw new InputError('no-feature-views', `no feature views are declared under \`features: views:\` in ${file.projectFile ?? 'lading.yaml'}`, { key: 'features.views' },
      'Declare entities and views in lading.yaml (`lading features --help` shows the shape).');
  }
  return withOfflineStore(settings, (store) => store.apply(views, actor, reason));
}

/** `lading features ingest VIEW FILE`: the file read and checked in full, then stored in one transaction. */
export async function ingestFeatureFile(settings: FeatureSettings, view: string, path: string, actor: string): Promise<IngestResult> {
  return withOfflineStore(settings, async (store) => {
    const stored = await store.getView(view);
    const batch = await readIngestFile(path, stored.spec);
    return store.ingest(view, batch, actor);
  });
}

export interface SavedTrainingSet {
  readonly saved: SavedDataset;
  readonly lineage: readonly string[];
  readonly stats: readonly ViewJoinStats[];
}

/** `lading features training-set`: the point-in-time join saved as a dataset version whose source names the view versions. */
export async function saveTrainingSet(settings: FeatureSettings, examples: ExamplesFile, refs: readonly FeatureRef[], options: WorkspaceOptions = {}): Promise<SavedTrainingSet> {
  const set = await withOfflineStore(settings, (store) => buildTrainingSet(store, examples, refs));
  const saved = await withWorkspace(settings, (ws) => ws.saveDataset(set.rows, { file: examples.path, format: requireTableFormat(examples.path), features: set.lineage }), options);
  return { saved, lineage: set.lineage, stats: set.stats };
}

/**
 * The online store: Redis at onlineStoreUrl, else `<home>/online.sqlite`. The Redis client is
 * imported only when asked for: loading it took about 0.3 s, at every start of every process that
 * imports this file (a server's cold start among them).
 */
export async function openOnlineStore(settings: Pick<Settings, 'home'> & Partial<Pick<Settings, 'onlineStoreUrl'>>): Promise<OnlineStore> {
  if (settings.onlineStoreUrl !== undefined && settings.onlineStoreUrl !== '') {
    const { openRedisOnlineStore } = await import('../features/redis/online-store.js');
    return openRedisOnlineStore({ url: settings.onlineStoreUrl });
  }
  mkdirSync(settings.home, { recursive: true });
  return openSqliteOnlineStore(join(settings.home, 'online.sqlite'));
}

async function withBothStores<T>(settings: FeatureSettings, work: (offline: OfflineStore, online: OnlineStore) => Promise<T>): Promise<T> {
  return withOfflineStore(settings, async (offline) => {
    const online = await openOnlineStore(settings);
    try {
      return await work(offline, online);
    } finally {
      await online.close();
    }
  });
}

/** `lading features materialize [VIEW...] [--since T]`: each view's latest values copied to the online store. */
export async function materializeFeatures(settings: FeatureSettings, views: readonly string[], since?: number): Promise<MaterializeResult[]> {
  return withBothStores(settings, async (offline, online) => {
    const chosen = views.length > 0 ? await Promise.all(views.map((v) => offline.getView(v))) : await offline.listViews();
    const out: MaterializeResult[] = [];
    for (const view of chosen) out.push(await materializeView(offline, online, view, since));
    return out;
  });
}

/** `lading features check [VIEW...] [--sample N]`: offline latest against online, per view. */
export async function checkFeatureSkew(settings: FeatureSettings, views: readonly string[], sample: number): Promise<SkewReport[]> {
  return withBothStores(settings, async (offline, online) => {
    const chosen = views.length > 0 ? await Promise.all(views.map((v) => offline.getView(v))) : await offline.listViews();
    const out: SkewReport[] = [];
    for (const view of chosen) out.push(await checkSkew(offline, online, view, sample));
    return out;
  });
}

/** `lading features get VIEW KEY...`: what serving would look up now (the view's TTL applied). */
export async function getOnlineFeatures(settings: FeatureSettings, viewName: string, keys: readonly string[], now = Date.now()): Promise<{ features: string[]; results: LookupResult[] }> {
  return withBothStores(settings, async (offline, online) => {
    const view = await offline.getView(viewName);
    const features = view.spec.features.map((f) => f.name);
    return { features, results: await lookupOnline(online, view.name, features, view.spec.ttlMs, keys, now) };
  });
}

/** How long serving trusts a view's spec (entity, TTL) before reading it again: a newly applied view is picked up without a restart. */
const VIEW_CACHE_MS = 60_000;

export interface ServingFeatureLookup {
  readonly lookup: FeatureLookup;
  close(): Promise<void>;
}

/**
 * The serving plane's feature lookup (serving/entity-features.ts): the online store, and the
 * registered views (the offline store's, which training joined against) for each view's entity and
 * TTL. Both open on the first lookup, so a process that serves no model trained with features
 * opens neither. A view the store does not know reads as null (the text alone), warned once.
 */
export function servingFeatureLookup(settings: Omit<FeatureSettings, 'features'>, warn: (line: string) => void = (line) => console.warn(line)): ServingFeatureLookup {
  let stores: Promise<{ online: OnlineStore; offline: OfflineStore }> | undefined;
  const views = new Map<string, { at: number; spec: Promise<FeatureViewSpec | undefined> }>();
  const warned = new Set<string>();
  const open = () => (stores ??= (async () => {
    const offline = await openOfflineStore(settings);
    try {
      return { offline, online: await openOnlineStore(settings) };
    } catch (e) {
      await offline.close();
      stores = undefined;
      throw e;
    }
  })());
  const viewOf = async (name: string): Promise<FeatureViewSpec | undefined> => {
    const cached = views.get(name);
    if (cached && Date.now() - cached.at < VIEW_CACHE_MS) return cached.spec;
    const { offline } = await open();
    const spec = offline.getView(name).then((v) => v.spec, (e: unknown) => {
      if (!warned.has(name)) { warned.add(name); warn(`feature lookup: view "${name}" (a column of a served model) is not registered: ${(e as Error).message}; its features read as null`); }
      return undefined;
    });
    views.set(name, { at: Date.now(), spec });
    return spec;
  };
  return {
    lookup: async (columns, entities) => onlineFeatureLookup((await open()).online, viewOf)(columns, entities),
    close: async () => {
      const s = await stores?.catch(() => undefined);
      await s?.offline.close();
      await s?.online.close();
    },
  };
}
