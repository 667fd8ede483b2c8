import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { InputError } from './errors.js';

/**
 * The facts the lifecycle publishes on the bus, one typed shape each. Every event carries an `id`
 * (unique: the bus drops a second publish of the same id, so a producer that retries after a crash
 * republishes the same id rather than a new one), the `time` it happened (epoch ms), its `type` and
 * the `subject` it travels on (`lading.<type>`, so a subscriber filters with NATS-style wildcards
 * such as `lading.alert.>`), and the facts flat beside them.
 */

/** What an event id may be: what NATS accepts as a Nats-Msg-Id and a file name can hold. */
const ID = /^[A-Za-z0-9_-]{1,128}$/;
const name = z.string().trim().min(1);
const version = z.number().int().min(1);
const count = z.number().int().min(0);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256');

/** What each event type says, besides the envelope (id, time, type, subject). */
const FACTS = {
  'dataset.created': {
    dataset: name, version, rows: count, sha256: sha256.optional(),
  },
  'feedback.received': {
    endpoint: name, count, newLabels: count.optional(),
  },
  'drift.detected': {
    endpoint: name, test: name, statistic: z.number().finite(), threshold: z.number().finite().optional(), window: count.optional(),
  },
  'alert.fired': {
    rule: name, endpoint: name.optional(), severity: z.enum(['info', 'warning', 'critical']), value: z.number().finite().optional(), message: z.string(),
  },
  'alert.resolved': {
    rule: name, endpoint: name.optional(), value: z.number().finite().optional(), message: z.string().optional(),
  },
  'model.registered': {
    model: name, version, sha256, dataset: name.optional(), datasetVersion: version.optional(), actor: name,
  },
  'model.approved': {
    model: name, version, actor: name, reason: z.string().optional(),
  },
  'model.rejected': {
    // The registry refuses a rejection without a reason, so the event always has one.
    model: name, version, actor: name, reason: z.string().min(1),
  },
  'model.alias.moved': {
    // `version` null: the alias was removed; `previousVersion` null: the alias is new.
    model: name, alias: name, version: version.nullable(), previousVersion: version.nullable(), actor: name, reason: z.string().optional(),
  },
  'gate.passed': {
    pipeline: name, model: name, version, checks: z.array(z.string()),
  },
  'gate.failed': {
    // A failed gate says every reason, never just the first.
    pipeline: name, model: name, version, reasons: z.array(z.string().min(1)).min(1),
  },
  'experiment.started': {
    endpoint: name, experiment: name, mode: z.enum(['shadow', 'canary', 'ab', 'blue-green']), champion: name, challenger: name,
  },
  'experiment.approved': {
    // A person approved the release's approval step; the controller's next tick acts on it.
    endpoint: name, experiment: name, actor: name,
  },
  'experiment.decided': {
    endpoint: name, experiment: name, decision: z.enum(['promote', 'reject', 'stopped']), reason: z.string().min(1), samples: count.optional(),
  },
  'deployment.changed': {
    endpoint: name, revision: version, action: name, actor: name, reason: z.string().optional(),
  },
  'rollback.done': {
    endpoint: name, revision: version, toRevision: version, actor: name, reason: z.string().min(1),
  },
  'pipeline.run.requested': {
    pipeline: name, runId: name, trigger: z.enum(['cron', 'drift', 'labels', 'manual']), reason: z.string().optional(),
  },
  'pipeline.run.started': {
    pipeline: name, runId: name,
  },
  'pipeline.run.finished': {
    pipeline: name, runId: name, outcome: z.enum(['succeeded', 'failed', 'stopped']), reason: z.string().optional(),
  },
} as const satisfies Record<string, z.ZodRawShape>;

export type LifecycleEventType = keyof typeof FACTS;
export const LIFECYCLE_EVENT_TYPES = Object.keys(FACTS) as LifecycleEventType[];

/** The subject an event type travels on. */
export const subjectOf = <T extends LifecycleEventType>(type: T): `lading.${T}` => `lading.${type}`;

const envelope = <T extends LifecycleEventType>(type: T) => ({
  id: z.string().regex(ID, 'expected 1-128 letters, digits, _ or -'),
  time: z.number().int().min(0),
  type: z.literal(type),
  subject: z.literal(subjectOf(type)),
});

const schemaOf = <T extends LifecycleEventType>(type: T) => z.object({ ...envelope(type), ...FACTS[type] }).strict();
type SchemaOf<T extends LifecycleEventType> = ReturnType<typeof schemaOf<T>>;

const SCHEMAS = Object.fromEntries(LIFECYCLE_EVENT_TYPES.map((t) => [t, schemaOf(t)])) as { [T in LifecycleEventType]: SchemaOf<T> };

/** One lifecycle event; `Extract<LifecycleEvent, { type: 'model.registered' }>` is one shape. */
export type LifecycleEvent = { [T in LifecycleEventType]: z.infer<SchemaOf<T>> }[LifecycleEventType];
export type EventOf<T extends LifecycleEventType> = Extract<LifecycleEvent, { type: T }>;
export type FactsOf<T extends LifecycleEventType> = Omit<EventOf<T>, 'id' | 'time' | 'type' | 'subject'>;

/**
 * A new event of `type` with a fresh id and the current time (both can be given: a producer that
 * derives the id from what happened, e.g. `gate-<run>`, makes its republish after a crash a no-op).
 */
export function makeEvent<T extends LifecycleEventType>(type: T, facts: FactsOf<T>, at: { id?: string; time?: number } = {}): EventOf<T> {
  return checkEvent({ ...facts, id: at.id ?? randomUUID(), time: at.time ?? Date.now(), type, subject: subjectOf(type) }) as EventOf<T>;
}

/**
 * An event id derived from what happened (`model-approved`, the model, its version, the time the
 * registry recorded it): the same fact always gets the same id, so a producer that publishes it
 * again (a retry, a restarted monitor) is dropped by the bus. Parts joined by `-` when they fit the
 * id alphabet and length; otherwise the first part and a sha256 of them all (names may hold `.` or `@`).
 */
export function eventIdOf(...parts: readonly (string | number)[]): string {
  const joined = parts.map(String).join('-');
  if (ID.test(joined)) return joined;
  const head = String(parts[0] ?? 'event').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return `${head}-${createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 40)}`;
}

/** Validates an event (as decoded JSON); throws an InputError naming the bad field. */
export function checkEvent(value: unknown): LifecycleEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError('bad-event', 'an event must be a JSON object', { field: '' });
  }
  const type = (value as { type?: unknown }).type;
  const schema = typeof type === 'string' ? (SCHEMAS as Record<string, z.ZodType<LifecycleEvent>>)[type] : undefined;
  if (schema === undefined) {
    throw new InputError('bad-event', `event field type: expected one of ${LIFECYCLE_EVENT_TYPES.join(', ')}, got ${JSON.stringify(type)}`,
      { field: 'type' }, 'Publish one of the lifecycle event types (core/lifecycle-events.ts).');
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.map(String).join('.');
  const message = issue.code === 'unrecognized_keys' ? `unknown field for ${type}` : issue.message;
  throw new InputError('bad-event', `${String(type)} event field ${field}: ${message}`, { type: String(type), field, problems: parsed.error.issues.length },
    'Build events with makeEvent (core/lifecycle-events.ts), which checks them the same way.');
}

/** The bytes an event travels as; refuses an event that does not check (nothing is published). */
export function encodeEvent(event: LifecycleEvent): string {
  return JSON.stringify(checkEvent(event));
}

/** The event in `text` (what encodeEvent wrote), checked; an InputError names the bad field. */
export function decodeEvent(text: string): LifecycleEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError('bad-event', `an event is not JSON: ${(e as Error).message}`, { field: '' }, undefined, { cause: e });
  }
  return checkEvent(value);
}
