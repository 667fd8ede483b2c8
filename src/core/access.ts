import { createHash, timingSafeEqual } from 'node:crypto';
import { ForbiddenError } from './errors.js';

/**
 * What a token may do. `read`: registry, deployments, monitoring, the review queue (when reads are
 * protected); `predict`: the prediction routes (with protectPredictions); `register`: new model and
 * dataset versions; `approve`: approve or reject versions; `deploy`: deployments, promotions,
 * rollbacks, aliases; `review`: answer review items (answers become training data).
 */
export const ROLES = ['read', 'predict', 'register', 'approve', 'deploy', 'review'] as const;
export type Role = (typeof ROLES)[number];

/** One entry of the tokens file: a name (the actor in the audit log), the token's sha256, roles, scope. */
export interface AccessGrant {
  readonly name: string;
  /** sha256 of the token, hex: the file holds no secret. */
  readonly tokenSha256: string;
  readonly roles: readonly Role[];
  /** Model names it acts on: exact names or prefixes ending in `*`; ["*"] (the default) is every model. */
  readonly models: readonly string[];
}

/** Who a request is: a grant matched by its token, or the single admin token (every role, every model). */
export interface Principal {
  readonly name: string;
  readonly roles: ReadonlySet<Role>;
  readonly models: readonly string[];
}

export const ADMIN_PRINCIPAL: Principal = { name: 'admin', roles: new Set(ROLES), models: ['*'] };

export const tokenSha256 = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * The grant whose token is `token`, comparing sha256 digests in constant time against every grant
 * (no early exit on a match: how long it takes says nothing about which grant, or how close).
 */
export function grantOfToken(grants: readonly AccessGrant[], token: string): AccessGrant | undefined {
  const presented = tokenSha256(token);
  let found: AccessGrant | undefined;
  for (const g of grants) {
    const want = Buffer.from(g.tokenSha256, 'hex');
    if (want.length === presented.length && timingSafeEqual(want, presented) && found === undefined) found = g;
  }
  return found;
}

export const principalOf = (g: AccessGrant): Principal => ({ name: g.name, roles: new Set(g.roles), models: g.models });

function inScope(patterns: readonly string[], model: string): boolean {
  return patterns.some((p) => p === '*' || p === model || (p.endsWith('*') && model.startsWith(p.slice(0, -1))));
}

/**
 * Refuses (ForbiddenError, naming who, what and why) unless `who` has `role` for every model in
 * `models` (none given: the role alone decides).
 */
export function requireAccess(who: Principal, role: Role, models: readonly string[] = []): void {
  if (!who.roles.has(role)) {
    throw new ForbiddenError('forbidden-role', `${who.name} may not ${role}: its roles are ${[...who.roles].join(', ') || 'none'}`, { actor: who.name, role },
      `Use a token with the ${role} role (tokens file).`);
  }
  const outside = models.filter((m) => !inScope(who.models, m));
  if (outside.length > 0) {
    throw new ForbiddenError('forbidden-scope', `${who.name} may not ${role} ${outside.join(', ')}: it acts on ${who.models.join(', ')} only`, { actor: who.name, role, model: outside[0]! },
      'Use a token whose models include it (tokens file).');
  }
}

/**
 * Four eyes: a version is approved by someone other than who registered it (compliance-critical
 * models, e.g. tariff codes, when the project sets fourEyes).
 */
export function requireSecondPerson(version: { readonly model: string; readonly version: number; readonly registeredBy: string }, approver: string): void {
  if (version.registeredBy === approver) {
    throw new ForbiddenError('four-eyes', `${approver} registered ${version.model}@${version.version} and may not approve it too: the project asks for four eyes (fourEyes)`,
      { actor: approver, model: version.model, version: version.version }, 'Ask someone else to approve it.');
  }
}
