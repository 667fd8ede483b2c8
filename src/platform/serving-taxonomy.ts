import type { Settings } from '../config/config.js';
import { InputError, NotFoundError } from '../core/errors.js';
import type { ServingTaxonomy, TaxonomyChoice, TaxonomyResolver } from '../serving/serving-taxonomy.js';
import { classifyCorrelation } from '../taxonomy/correlation-kinds.js';
import { taxonomyRefOf, type CorrelationTable, type TaxonomyKey } from '../taxonomy/taxonomy.js';
import type { TaxonomyStore } from '../taxonomy/taxonomy-store.js';
import { withTaxonomyStore } from './taxonomy.js';

type StoreSettings = Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'>;

/**
 * How serving reads an endpoint's taxonomy: the store is opened for each choice and closed again,
 * since choices are read only when a deployment is applied, never per request.
 */
export function taxonomyResolver(settings: StoreSettings): TaxonomyResolver {
  return (choice) => withTaxonomyStore(settings, (store) => resolveTaxonomyChoice(store, choice));
}

/**
 * A choice pinned to what is stored now: `hs2022` becomes `hs2022@<latest>`, `hs2017->hs2022` the id
 * of the newest table between them. Unknown names are a NotFoundError naming them; a table whose
 * new taxonomy is not the chosen one an InputError. What deployments store (they then never move
 * when a new version is imported).
 */
export async function pinTaxonomyChoice(store: TaxonomyStore, choice: TaxonomyChoice): Promise<{ taxonomy?: string; remap?: string }> {
  const { taxonomy, table } = await readChoice(store, choice);
  return { taxonomy, ...(table ? { remap: table.id } : {}) };
}

/** Reads a choice into what serving compiles against each model's labels. */
export async function resolveTaxonomyChoice(store: TaxonomyStore, choice: TaxonomyChoice): Promise<ServingTaxonomy> {
  const { taxonomy, table } = await readChoice(store, choice);
  const codes = await store.getCodes(taxonomy);
  return {
    ref: taxonomy,
    descriptions: new Map(codes.map((c) => [c.code, c.description])),
    ...(table ? { remap: { id: table.id, targets: new Map([...classifyCorrelation(table.pairs)].map(([code, change]) => [code, change.targets])) } } : {}),
  };
}

/** The choice's taxonomy version (as `name@V`) and table, each read once; the checks pinTaxonomyChoice documents. */
async function readChoice(store: TaxonomyStore, choice: TaxonomyChoice): Promise<{ taxonomy: string; table: CorrelationTable | undefined }> {
  const table = choice.remap === undefined ? undefined : await findCorrelation(store, choice.remap);
  const version = await store.getTaxonomy(choice.taxonomy ?? taxonomyRefOf(table!.to));
  if (table !== undefined && (table.to.name !== version.name || table.to.version !== version.version)) {
    throw new InputError('remap-taxonomy-mismatch', `correlation table ${table.id} maps ${taxonomyRefOf(table.from)} -> ${taxonomyRefOf(table.to)}, not to the active taxonomy ${taxonomyRefOf(version)}`,
      { correlation: table.id, taxonomy: taxonomyRefOf(version) }, `Name a table that maps to ${taxonomyRefOf(version)}, or leave out the taxonomy (the table's new one is then active).`);
  }
  return { taxonomy: taxonomyRefOf(version), table };
}

/** `OLD->NEW` (names, optionally `@V`): the newest stored table between them; else a table id or prefix. */
async function findCorrelation(store: TaxonomyStore, spec: string): Promise<CorrelationTable> {
  const arrow = spec.indexOf('->');
  if (arrow < 0) return store.getCorrelation(spec);
  const [from, to] = [spec.slice(0, arrow).trim(), spec.slice(arrow + 2).trim()];
  const fits = (key: TaxonomyKey, ref: string) => ref === key.name || ref === taxonomyRefOf(key);
  const found = (await store.listCorrelations()).filter((t) => fits(t.from, from) && fits(t.to, to)).at(-1);
  if (found === undefined) {
    throw new NotFoundError('correlation-not-found', `no correlation table from ${from} to ${to}`, { correlation: spec },
      'Store one with `lading taxonomy map OLD NEW FILE`; `lading taxonomy list` shows the stored tables.');
  }
  return store.getCorrelation(found.id);
}


/**
 * Checks the serving process's own choice (settings servingTaxonomy / servingRemap) before anything
 * starts; `where(key)` says where a setting came from, so the error names the flag, variable or
 * lading.yaml line. Nothing is opened when neither is set.
 */
export async function checkServingTaxonomy(settings: StoreSettings & Pick<Settings, 'servingTaxonomy' | 'servingRemap'>,
  where: (key: 'servingTaxonomy' | 'servingRemap') => string): Promise<void> {
  if (settings.servingTaxonomy === undefined && settings.servingRemap === undefined) return;
  await withTaxonomyStore(settings, async (store) => {
    try {
      await pinTaxonomyChoice(store, { taxonomy: settings.servingTaxonomy, remap: settings.servingRemap });
    } catch (e) {
      if (!(e instanceof InputError || e instanceof NotFoundError)) throw e;
      const key = e.code.startsWith('correlation') || settings.servingTaxonomy === undefined ? 'servingRemap' : 'servingTaxonomy';
      const Err = e instanceof NotFoundError ? NotFoundError : InputError;
      throw new Err(e.code, `${key} (${where(key)}): ${e.message}`, { ...e.facts, key, source: where(key) }, e.hint);
    }
  });
}
