import type { InputFeatures } from '../core/artifact-format.js';
import type { FeatureCell } from '../core/dataset.js';
import { InputError } from '../core/errors.js';
import { textWithFeatures } from '../text/feature-tokens.js';

/**
 * Entity features at serving time. A model trained with features (ArtifactMeta.inputFeatures:
 * VIEW:FEATURE columns) reads each text with its feature tokens appended; a request names the
 * entities its texts are about (`{"importer": "I42"}`), the plane looks their values up in the
 * online store, and composes the texts exactly as training did (textWithFeatures). The lookup is a
 * plain function given by the composition root (platform/), so serving knows no store.
 */

/** Entity name → key, for one text (e.g. {"importer": "I42"}). */
export type EntityKeys = Readonly<Record<string, string>>;

/**
 * For each text's entity keys, the values of `columns` (VIEW:FEATURE) valid now, in column order:
 * null where the text names no key for the column's entity, where the store does not hold the key,
 * or where its values are past the view's TTL. One call answers a whole batch (one store round
 * trip), whatever its size.
 */
export type FeatureLookup = (columns: readonly string[], entities: readonly (EntityKeys | undefined)[]) => Promise<ReadonlyArray<readonly FeatureCell[]>>;

/**
 * What a text's answer used, as the prediction log records it: the values by column (null for a
 * column without one), or null when it had none at all and was answered from the text alone.
 */
export type UsedFeatures = Readonly<Record<string, FeatureCell>> | null;

export interface ComposedInputs {
  /** What the model reads: each text with its feature tokens (the text itself where none was found). */
  readonly inputs: readonly string[];
  readonly used: readonly UsedFeatures[];
}

/**
 * The inputs of a model trained with `features` for these texts. Texts without keys skip the store;
 * a failing store answers from the texts alone (reported through `onError`): a prediction must not
 * fail because a side input is down, and the log then says "text alone".
 */
export async function composeFeatureInputs(features: InputFeatures, texts: readonly string[], entities: readonly (EntityKeys | undefined)[] | undefined,
  lookup: FeatureLookup | undefined, onError: (e: unknown) => void): Promise<ComposedInputs> {
  const alone: UsedFeatures[] = texts.map(() => null);
  if (lookup === undefined || entities === undefined || !entities.some((e) => e !== undefined)) return { inputs: texts, used: alone };
  let cells: ReadonlyArray<readonly FeatureCell[]>;
  try {
    cells = await lookup(features.columns, entities);
  } catch (e) {
    onError(e);
    return { inputs: texts, used: alone };
  }
  const inputs = new Array<string>(texts.length);
  const used = alone;
  for (let i = 0; i < texts.length; i++) {
    const row = cells[i] ?? [];
    inputs[i] = textWithFeatures(texts[i]!, features, row);
    if (row.some((v) => v !== null && v !== undefined)) {
      const named: Record<string, FeatureCell> = {};
      features.columns.forEach((c, k) => { named[c] = row[k] ?? null; });
      used[i] = named;
    }
  }
  return { inputs, used };
}

/**
 * A lookup that gathers the calls made in one turn of the event loop (the requests that arrive
 * together, which the micro-batcher then scores together) into one call of `lookup` per set of
 * columns: one store round trip per batch, not per request.
 */
export function coalescedLookup(lookup: FeatureLookup): FeatureLookup {
  interface Waiting { readonly from: number; readonly count: number; resolve(v: ReadonlyArray<readonly FeatureCell[]>): void; reject(e: unknown): void }
  let pending: Map<string, { columns: readonly string[]; entities: (EntityKeys | undefined)[]; waiting: Waiting[] }> | undefined;
  const flush = (batches: NonNullable<typeof pending>) => {
    for (const b of batches.values()) {
      lookup(b.columns, b.entities).then(
        (cells) => { for (const w of b.waiting) w.resolve(cells.slice(w.from, w.from + w.count)); },
        (e: unknown) => { for (const w of b.waiting) w.reject(e); },
      );
    }
  };
  return (columns, entities) => new Promise((resolve, reject) => {
    if (pending === undefined) {
      const batches = (pending = new Map());
      setImmediate(() => { pending = undefined; flush(batches); });
    }
    const key = columns.join('\0');
    let b = pending.get(key);
    if (!b) pending.set(key, (b = { columns, entities: [], waiting: [] }));
    b.waiting.push({ from: b.entities.length, count: entities.length, resolve, reject });
    for (const e of entities) b.entities.push(e);
  });
}

/** Entity keys are short identifiers; a longer one is a mistake (a text sent in the wrong field). */
export const MAX_ENTITY_KEY_CHARS = 256;
const MAX_ENTITIES = 32;

const bad = (message: string, field: string) => new InputError('bad-request', message, { field });

/** One text's `{"entity": "key"}` object, checked; `field` names it in errors (`entities`, `entities[3]`). */
export function decodeEntityKeys(v: unknown, field: string): EntityKeys {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`"${field}" must be an object of entity name to key, like {"importer": "I42"}`, field);
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > MAX_ENTITIES) throw bad(`"${field}" names ${entries.length} entities; at most ${MAX_ENTITIES}`, field);
  for (const [name, key] of entries) {
    if (name.length === 0 || name.length > 128) throw bad(`"${field}": an entity name must have 1 to 128 characters`, field);
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_ENTITY_KEY_CHARS) {
      throw bad(`${field}.${name} must be a non-empty string key of at most ${MAX_ENTITY_KEY_CHARS} characters, got ${key === null ? 'null' : typeof key}`, `${field}.${name}`);
    }
  }
  return v as EntityKeys;
}

/**
 * A request's `entities`, one per text: an object (the same keys for every text: one importer's
 * invoice) or an array of objects or nulls, one per text (a null: no key for that text).
 */
export function decodeRequestEntities(v: unknown, texts: number, field = 'entities'): (EntityKeys | undefined)[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    const keys = decodeEntityKeys(v, field);
    return Array.from({ length: texts }, () => keys);
  }
  if (v.length !== texts) throw bad(`"${field}" holds ${v.length} entries but there are ${texts} texts: give one per text (null for none), or one object for all`, field);
  return v.map((e: unknown, i) => (e === null ? undefined : decodeEntityKeys(e, `${field}[${i}]`)));
}
