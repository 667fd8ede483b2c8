import type { DeploymentRecord } from './deployment-store.js';
import type { AliasPeriod, DeploymentPeriod } from './model-registry.js';
import { parseModelRef } from './model-rules.js';

/**
 * When deployments referred to one model version, worked out from deployment history and the
 * alias periods of that version (model-rules.ts aliasPeriods, from the audit log).
 *
 * What is matched, per revision and variant, over the time the revision was the endpoint's newest
 * (its `at` until the next revision's `at`):
 * - `name@N`: exactly version N, for the whole revision.
 * - `name@alias` and bare `name` (= `name@champion`): the parts of the revision's time during which
 *   the alias pointed at the version (servers re-resolve aliases while they run).
 * Not matched: `name@latest` (which version was latest at a time depends on later deletions) and
 * artifact file paths (no registry identity). A period says a spec referred to the version, not
 * that a server loaded it (a server that failed to load keeps serving what it had).
 */
export function deploymentPeriods(model: string, version: number, records: readonly DeploymentRecord[], aliasHistory: readonly AliasPeriod[]): DeploymentPeriod[] {
  const periods: DeploymentPeriod[] = [];
  const byEndpoint = new Map<string, DeploymentRecord[]>();
  for (const r of records) {
    const list = byEndpoint.get(r.endpoint) ?? [];
    list.push(r);
    byEndpoint.set(r.endpoint, list);
  }
  for (const history of byEndpoint.values()) {
    history.sort((a, b) => a.revision - b.revision);
    history.forEach((r, i) => {
      if (r.spec === null) return;
      const revisionUntil = history[i + 1]?.at ?? null;
      for (const v of r.spec.variants) {
        const target = refTarget(v.model, model);
        if (target === null) continue;
        const base = { endpoint: r.endpoint, revision: r.revision, variant: v.name, role: v.role, weight: v.weight, ref: v.model };
        if (target.kind === 'version') {
          if (target.version === version) periods.push({ ...base, from: r.at, until: revisionUntil });
          continue;
        }
        for (const a of aliasHistory) {
          if (a.alias !== target.alias) continue;
          const from = later(r.at, a.from);
          const until = earlier(revisionUntil, a.until);
          if (until === null || from < until) periods.push({ ...base, from, until });
        }
      }
    });
  }
  return periods.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
}

type Target = { readonly kind: 'version'; readonly version: number } | { readonly kind: 'alias'; readonly alias: string };

/** What `ref` selects of `model`, or null when it is another model, a path, `@latest` or malformed. */
function refTarget(ref: string, model: string): Target | null {
  if (ref !== model && !ref.startsWith(`${model}@`)) return null;
  let parsed;
  try {
    parsed = parseModelRef(ref);
  } catch {
    return null;
  }
  if (parsed.name !== model) return null;
  if (parsed.kind === 'version') return { kind: 'version', version: parsed.version };
  if (parsed.kind === 'alias') return { kind: 'alias', alias: parsed.alias };
  return null;
}

const later = (a: string, b: string): string => (a > b ? a : b);
/** null = open-ended. */
const earlier = (a: string | null, b: string | null): string | null => (a === null ? b : b === null ? a : a < b ? a : b);

