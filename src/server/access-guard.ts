import type { Context } from 'hono';
import { ADMIN_PRINCIPAL, grantOfToken, principalOf, requireAccess, type Principal, type Role } from '../core/access.js';
import { bearerMatches } from './bearer-auth.js';
import type { ServerContext } from './server-context.js';

/**
 * Who is asking, as far as a route needs to know: `named` when a token of the tokens file matched
 * (its name is the actor the audit log records, whatever the body says); the single admin token
 * and a server without tokens leave the actor to the body, as before tokens had names.
 */
export interface Caller {
  readonly principal: Principal;
  readonly named: boolean;
}

const OPEN: Caller = { principal: ADMIN_PRINCIPAL, named: false };

/** True when this server checks tokens at all (a token or a tokens file). */
export const accessChecked = (ctx: ServerContext): boolean => ctx.token !== undefined || ctx.grants !== undefined;

/** The caller of a request; undefined when tokens are checked and its token matches none (401). */
export function callerOf(c: Context, ctx: ServerContext): Caller | undefined {
  if (!accessChecked(ctx)) return OPEN;
  const header = c.req.header('authorization');
  if (ctx.grants !== undefined) {
    const token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    const grant = token === undefined || token === '' ? undefined : grantOfToken(ctx.grants, token);
    if (grant) return { principal: principalOf(grant), named: true };
  }
  if (ctx.token !== undefined && bearerMatches(header, `Bearer ${ctx.token}`)) return { principal: ADMIN_PRINCIPAL, named: false };
  return undefined;
}

/** The caller when it may act as `role` on `models` (ForbiddenError, a 403, otherwise); undefined: no valid token (401). */
export function callerWith(c: Context, ctx: ServerContext, role: Role, models: readonly string[] = []): Caller | undefined {
  const caller = callerOf(c, ctx);
  if (caller) requireAccess(caller.principal, role, models);
  return caller;
}

/** The actor an action is recorded under: a named token's name, else what the request says (or `fallback`). */
export const actorFor = (caller: Caller, said: string | undefined, fallback: string): string => (caller.named ? caller.principal.name : said ?? fallback);

/** The model name of a model reference (`hs4@champion`, `hs4@3`, a file path): what a scope is checked against. */
export const modelOfRef = (ref: string): string => ref.split('@')[0]!;
