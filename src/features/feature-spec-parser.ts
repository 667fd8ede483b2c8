import { z } from 'zod';
import type { InputError } from '../core/errors.js';
import { sectionFailure } from '../core/section-problems.js';
import { FEATURE_TYPES, type EntitySpec, type FeatureViewSpec } from './feature-spec.js';

/**
 * lading.yaml's `features:` section as checked specs. Every problem is reported at once, each as
 * `file:line:col: features.views.NAME.key: what is wrong`, and nothing is returned unless all are
 * valid: parsing is pure, so a bad file changes nothing.
 *
 *   features:
 *     entities:
 *       importer: { joinKey: importer_id }
 *     views:
 *       importer_history:
 *         entity: importer
 *         timestamp: event_time
 *         ttl: 90d
 *         features: { top_chapter: string, lines_30d: int, share_textiles: float }
 */
export interface FeatureSource {
  readonly source?: string | undefined;
  /** "file:line:col" of a part of the section, by its path inside it (['views', NAME, 'ttl']). */
  readonly locate?: ((path: readonly (string | number)[]) => string | undefined) | undefined;
}

export interface FeatureDeclarations {
  readonly entities: readonly EntitySpec[];
  readonly views: readonly FeatureViewSpec[];
}

/** Names of entities, views and features: they become SQL identifiers and dataset columns, so kept plain. */
export const FEATURE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const nameSchema = z.string().regex(FEATURE_NAME, 'a name is a letter, then letters, digits or _ (at most 63)');
const column = z.string().trim().min(1, 'a column name');

const entitySchema = z.object({ joinKey: column, description: z.string().optional() }).strict();
const viewSchema = z.object({
  entity: nameSchema,
  timestamp: column.default('event_time'),
  ttl: z.union([z.string(), z.number()]).optional(),
  features: z.record(z.string(), z.enum(FEATURE_TYPES as [string, ...string[]], { message: `a feature type is one of ${FEATURE_TYPES.join(', ')}` })),
  description: z.string().optional(),
}).strict();
const sectionSchema = z.object({
  entities: z.record(z.string(), entitySchema).default({}),
  views: z.record(z.string(), viewSchema).default({}),
}).strict();

interface Problem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export function parseFeatureDeclarations(section: unknown, from: FeatureSource = {}): FeatureDeclarations {
  if (section === undefined || section === null || (typeof section === 'object' && Object.keys(section).length === 0)) return { entities: [], views: [] };
  const parsed = sectionSchema.safeParse(section);
  if (!parsed.success) {
    throw failure(parsed.error.issues.map((i) => ({
      path: i.code === 'unrecognized_keys' ? [...i.path.map(pathPart), i.keys[0]!] : i.path.map(pathPart),
      message: i.code === 'unrecognized_keys' ? `unknown key (known: ${knownKeysAt(i.path.length)})` : i.message,
    })), from);
  }
  const problems: Problem[] = [];
  const entities = new Map<string, EntitySpec>();
  for (const [name, e] of Object.entries(parsed.data.entities)) {
    if (!FEATURE_NAME.test(name)) problems.push({ path: ['entities', name], message: nameSchema.description ?? 'a name is a letter, then letters, digits or _ (at most 63)' });
    entities.set(name, { name, joinKey: e.joinKey, ...(e.description !== undefined ? { description: e.description } : {}) });
  }
  const views: FeatureViewSpec[] = [];
  for (const [name, v] of Object.entries(parsed.data.views)) {
    const at = (...rest: (string | number)[]) => ['views', name, ...rest];
    if (!FEATURE_NAME.test(name)) problems.push({ path: at(), message: 'a view name is a letter, then letters, digits or _ (at most 63)' });
    const entity = entities.get(v.entity);
    if (entity === undefined) problems.push({ path: at('entity'), message: `unknown entity "${v.entity}" (declared: ${[...entities.keys()].join(', ') || 'none'})` });
    const ttlMs = parseDuration(v.ttl);
    if (typeof ttlMs === 'string') problems.push({ path: at('ttl'), message: ttlMs });
    const features = Object.entries(v.features).map(([f, type]) => ({ name: f, type: type as FeatureViewSpec['features'][number]['type'] }));
    if (features.length === 0) problems.push({ path: at('features'), message: 'a view needs at least one feature' });
    for (const f of features) {
      if (!FEATURE_NAME.test(f.name)) problems.push({ path: at('features', f.name), message: 'a feature name is a letter, then letters, digits or _ (at most 63)' });
      if (entity !== undefined && (f.name === entity.joinKey || f.name === v.timestamp)) problems.push({ path: at('features', f.name), message: 'a feature may not share its name with the join key or the timestamp column' });
    }
    if (entity !== undefined && typeof ttlMs === 'number') {
      views.push({ name, entity, timestampColumn: v.timestamp, ttlMs, features, ...(v.description !== undefined ? { description: v.description } : {}) });
    }
  }
  if (problems.length > 0) throw failure(problems, from);
  return { entities: [...entities.values()], views };
}

/** `90d`, `12h`, `30m`, `45s`, a number of seconds, or absent / `forever` (no limit). A string is the problem. */
export function parseDuration(value: string | number | undefined): number | string {
  if (value === undefined || value === 'forever') return Number.POSITIVE_INFINITY;
  if (typeof value === 'number') return value > 0 && Number.isFinite(value) ? value * 1000 : 'a ttl is a positive number of seconds or a duration such as 90d';
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/.exec(value.trim());
  if (!m) return `a ttl is a duration such as 45s, 30m, 12h, 90d, 2w, or forever; got "${value}"`;
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd' | 'w'];
  const ms = Number(m[1]) * unit;
  return ms > 0 ? ms : 'a ttl must be longer than 0';
}

function pathPart(p: PropertyKey): string | number {
  return typeof p === 'number' ? p : String(p);
}

function knownKeysAt(depth: number): string {
  if (depth === 0) return 'entities, views';
  if (depth === 2) return 'joinKey, description (an entity) or entity, timestamp, ttl, features, description (a view)';
  return 'see lading features --help';
}

export function featureKey(path: readonly (string | number)[]): string {
  return ['features', ...path.map(String)].join('.');
}

function failure(problems: readonly Problem[], from: FeatureSource): InputError {
  return sectionFailure('features-invalid', featureKey, problems, from, 'Fix the named keys under `features:`; `lading features --help` shows the shape of entities and views.');
}
