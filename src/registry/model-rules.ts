import { ConflictError, InputError, NotFoundError } from '../core/errors.js';
import type { AliasPeriod, ApprovalStatus, AuditEntry, ModelVersionRecord } from './model-registry.js';

/**
 * The rules both model-registry adapters apply, in one place so SQLite and PostgreSQL cannot drift:
 * name checks, ref parsing, which aliases serve traffic, what an alias may point at, and the
 * history computations (rollback target, alias periods) done from the audit log.
 */

const MODEL_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/i;
const ALIAS_NAME = /^[a-z][a-z0-9_-]{0,63}$/i;
const TAG_KEY = /^[a-z0-9][a-z0-9._:/-]{0,63}$/i;
const RESERVED_ALIASES = new Set(['latest']);
const STAGING_ALIASES = new Set(['candidate', 'shadow', 'staging']);
const STAGING_PREFIXES = ['candidate-', 'shadow-', 'staging-', 'dev-'];

/** Store-independent: artifacts are content-addressed, so moving a workspace or store changes no record. */
export function artifactUri(sha256: string): string {
  return `sha256:${sha256}`;
}

/** The default alias a bare model name resolves to. */
export const DEFAULT_ALIAS = 'champion';

export function checkModelName(name: string): void {
  if (!MODEL_NAME.test(name)) {
    throw new InputError('bad-model-name', `model name "${name}" is not allowed: use 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit`, { model: name });
  }
}

export function checkAliasName(alias: string): void {
  if (!ALIAS_NAME.test(alias) || RESERVED_ALIASES.has(alias.toLowerCase())) {
    throw new InputError('bad-alias-name', `alias "${alias}" is not allowed: use 1-64 letters, digits, "_" or "-", starting with a letter; "latest" is reserved`, { alias });
  }
}

export function checkActor(actor: string): void {
  if (actor.trim() === '') throw new InputError('missing-actor', 'an actor (who does this) is required for every registry change', {});
}

export function checkTags(tags: Readonly<Record<string, string>>): void {
  for (const [k, v] of Object.entries(tags)) {
    if (!TAG_KEY.test(k)) throw new InputError('bad-tag', `tag key "${k}" is not allowed: use 1-64 letters, digits, ".", "_", ":", "/" or "-"`, { tag: k });
    if (typeof v !== 'string' || v.length > 1000) throw new InputError('bad-tag', `tag "${k}" must be a string of at most 1000 characters`, { tag: k });
  }
}

export function checkVersionNumber(name: string, version: number): void {
  if (!Number.isInteger(version) || version < 1) {
    throw new InputError('bad-version', `version of ${name} must be a whole number from 1, got ${String(version)}`, { model: name, version: String(version) });
  }
}

export function requireReason(what: string, reason: string | undefined): string {
  if (reason === undefined || reason.trim() === '') {
    throw new InputError('missing-reason', `${what} needs a reason (it goes into the audit log)`, { action: what });
  }
  return reason;
}

/** True when the alias answers real requests, so it may only point at approved versions. */
export function aliasServesTraffic(alias: string): boolean {
  const a = alias.toLowerCase();
  return !(STAGING_ALIASES.has(a) || STAGING_PREFIXES.some((p) => a.startsWith(p)));
}

export type ParsedRef =
  | { readonly name: string; readonly kind: 'alias'; readonly alias: string }
  | { readonly name: string; readonly kind: 'version'; readonly version: number }
  | { readonly name: string; readonly kind: 'latest' };

/** `name`, `name@alias`, `name@3`, `name@latest`. */
export function parseModelRef(ref: string): ParsedRef {
  const at = ref.lastIndexOf('@');
  const name = at < 0 ? ref : ref.slice(0, at);
  const selector = at < 0 ? DEFAULT_ALIAS : ref.slice(at + 1);
  if (!MODEL_NAME.test(name) || selector === '') {
    throw new InputError('bad-model-ref', `model reference "${ref}" is malformed: use name, name@alias, name@3 or name@latest`, { ref });
  }
  if (selector === 'latest') return { name, kind: 'latest' };
  if (/^[0-9]+$/.test(selector)) {
    const version = Number(selector);
    if (version < 1 || !Number.isSafeInteger(version)) throw new InputError('bad-model-ref', `model reference "${ref}": versions start at 1`, { ref });
    return { name, kind: 'version', version };
  }
  if (!ALIAS_NAME.test(selector)) throw new InputError('bad-model-ref', `model reference "${ref}": "${selector}" is not an alias name`, { ref });
  return { name, kind: 'alias', alias: selector };
}

export function unknownModel(name: string): NotFoundError {
  return new NotFoundError('model-not-found', `model "${name}" is not registered`, { model: name }, 'Run `lading models list` to see registered models.');
}

export function unknownVersion(name: string, version: number): NotFoundError {
  return new NotFoundError('model-version-not-found', `model "${name}" has no version ${version}`, { model: name, version },
    `Run \`lading models show ${name}\` to see its versions.`);
}

export function unknownAlias(name: string, alias: string): NotFoundError {
  return new NotFoundError('model-alias-not-found', `model "${name}" has no alias "${alias}"`, { model: name, alias },
    `Run \`lading models show ${name}\` to see its aliases.`);
}

/** The checks of an alias change that need no database: names, actor and (for a move) the version number. */
export function checkAliasChange(input: { readonly name: string; readonly alias: string; readonly actor: string; readonly version?: number }): void {
  checkModelName(input.name);
  checkAliasName(input.alias);
  checkActor(input.actor);
  if (input.version !== undefined) checkVersionNumber(input.name, input.version);
}

/** The same checks for a decision about one version (approve, reject, delete). */
export function checkVersionChange(input: { readonly name: string; readonly version: number; readonly actor: string }): void {
  checkActor(input.actor);
  checkModelName(input.name);
  checkVersionNumber(input.name, input.version);
}

export function deletedVersion(v: ModelVersionRecord): NotFoundError {
  return new NotFoundError('model-version-deleted', `${v.model} version ${v.version} was deleted at ${v.deletedAt}`, { model: v.model, version: v.version });
}

export function nothingToRollBack(name: string, alias: string, version: number): ConflictError {
  return new ConflictError('nothing-to-roll-back', `alias "${alias}" of ${name} has no earlier version to roll back to`,
    { model: name, alias, version }, 'Use `lading models alias` to point it at a chosen version.');
}

/** Throws unless `v` may get the approval `status` (not deleted, not already so, and for a rejection no alias on it). */
export function checkDecision(v: ModelVersionRecord, status: ApprovalStatus, aliases: readonly string[]): void {
  const facts = { model: v.model, version: v.version, status: v.approval.status };
  if (v.deletedAt !== null) throw new ConflictError('version-deleted', `${v.model} version ${v.version} was deleted`, facts);
  if (v.approval.status === status) throw new ConflictError('already-decided', `${v.model} version ${v.version} is already ${status}`, facts);
  if (status === 'rejected' && aliases.length > 0) {
    throw new ConflictError('version-in-use', `${v.model} version ${v.version} cannot be rejected while aliases point at it: ${aliases.join(', ')}`,
      { ...facts, aliases: aliases.join(',') }, 'Move or roll back those aliases first.');
  }
}

/** Throws unless `v` may be deleted (not already, and no alias on it). */
export function checkDeletable(v: ModelVersionRecord, aliases: readonly string[]): void {
  const facts = { model: v.model, version: v.version };
  if (v.deletedAt !== null) throw new ConflictError('version-deleted', `${v.model} version ${v.version} is already deleted`, facts);
  if (aliases.length > 0) {
    throw new ConflictError('version-in-use', `${v.model} version ${v.version} cannot be deleted while aliases point at it: ${aliases.join(', ')}`,
      { ...facts, aliases: aliases.join(',') }, 'Move or delete those aliases first.');
  }
}

/** Throws unless `alias` may point at `v`. */
export function checkAliasTarget(v: ModelVersionRecord, alias: string): void {
  const facts = { model: v.model, version: v.version, alias, status: v.approval.status };
  if (v.deletedAt !== null) {
    throw new ConflictError('alias-to-deleted-version', `alias "${alias}" cannot point at ${v.model} version ${v.version}: that version was deleted`, facts);
  }
  if (v.approval.status === 'rejected') {
    throw new ConflictError('alias-to-rejected-version', `alias "${alias}" cannot point at ${v.model} version ${v.version}: it was rejected${v.approval.reason ? ` (${v.approval.reason})` : ''}`,
      facts, 'Register and approve a new version, or approve this one again if the rejection was a mistake.');
  }
  if (v.approval.status !== 'approved' && aliasServesTraffic(alias)) {
    throw new ConflictError('alias-to-unapproved-version', `alias "${alias}" serves traffic, so it may only point at an approved version; ${v.model} version ${v.version} is ${v.approval.status}`,
      facts, `Run \`lading models approve ${v.model} ${v.version} --reason ...\` first, or use a staging alias (candidate, shadow, staging, candidate-*, shadow-*, staging-*, dev-*).`);
  }
}

const ALIAS_ACTIONS = new Set(['alias-set', 'alias-delete', 'rollback']);

function versionAfter(e: AuditEntry): number | null {
  const after = e.after as { version?: unknown } | null;
  return after && typeof after.version === 'number' ? after.version : null;
}

/**
 * The version a rollback moves `alias` back to. The alias's history is a stack: a move pushes its
 * new version, a rollback pops one, so repeated rollbacks walk further back instead of toggling.
 * `entries` are this model's audit rows, oldest first.
 */
export function rollbackTarget(entries: readonly AuditEntry[], alias: string): number | null {
  const stack: Array<number | null> = [];
  for (const e of entries) {
    if (e.alias !== alias || !ALIAS_ACTIONS.has(e.action)) continue;
    if (e.action === 'rollback') stack.pop();
    else stack.push(e.action === 'alias-delete' ? null : versionAfter(e));
  }
  return stack.length >= 2 ? stack[stack.length - 2]! : null;
}

/** Every stretch an alias pointed at `version`, from this model's audit rows (oldest first). */
export function aliasPeriods(entries: readonly AuditEntry[], version: number): AliasPeriod[] {
  const open = new Map<string, { from: string; movedBy: string; index: number }>();
  const periods: Array<{ alias: string; from: string; until: string | null; movedBy: string }> = [];
  for (const e of entries) {
    if (e.alias === null || !ALIAS_ACTIONS.has(e.action)) continue;
    const now = e.action === 'alias-delete' ? null : versionAfter(e);
    const current = open.get(e.alias);
    if (current && now !== version) {
      periods[current.index]!.until = e.at;
      open.delete(e.alias);
    }
    if (now === version && !current) {
      periods.push({ alias: e.alias, from: e.at, until: null, movedBy: e.actor });
      open.set(e.alias, { from: e.at, movedBy: e.actor, index: periods.length - 1 });
    }
  }
  return periods;
}
