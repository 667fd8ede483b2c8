import { checkTargetPrecision } from '../core/decision-policy.js';
import { InputError, NotFoundError } from '../core/errors.js';
import { DEPLOYMENT_MODES, type DeploymentMode, type VariantSpec } from '../serving/deployment.js';
import { DeploymentControl } from '../lifecycle/deployment-control.js';
import { ReleaseControl, type Release } from '../lifecycle/release-control.js';
import { withRegistry } from './open-registry.js';
import { pinTaxonomyChoice } from '../platform/serving-taxonomy.js';
import { withTaxonomyStore } from '../platform/taxonomy.js';
import type { DeploymentRecord } from '../registry/deployment-store.js';
import { parseVerbArgs } from './args.js';
import { COMMON_HELP, COMMON_OPTIONS, type Verb } from './context.js';
import { table, utcTime, writeJson, writeLine } from './output.js';

const OPTIONS = {
  ...COMMON_OPTIONS,
  mode: { type: 'string', default: 'single' },
  variant: { type: 'string', multiple: true },
  reason: { type: 'string' },
  actor: { type: 'string' },
  share: { type: 'string' },
  alias: { type: 'string' },
  'no-log-text': { type: 'boolean', default: false },
  'target-precision': { type: 'string' },
  taxonomy: { type: 'string' },
  remap: { type: 'string' },
} as const;

const ACTIONS = new Set(['set', 'canary', 'promote', 'switch', 'rollback', 'remove', 'show', 'history', 'list']);

export const verb: Verb = {
  summary: 'create, change, promote and roll back serving deployments (A/B, canary, shadow, blue-green)',
  help: `Usage: lading deploy <action> ENDPOINT [options]

Deployments live in the registry (the workspace under --home, or PostgreSQL with --registry-url)
with their full history; every change is one audited revision (who, when, why). Servers started
with \`lading serve --deployment ENDPOINT\` on the same registry apply changes within a second,
without a restart.

Actions:
  set ENDPOINT --variant NAME=MODEL[:WEIGHT][:shadow] ... [--mode ${DEPLOYMENT_MODES.join('|')}] [--no-log-text]
      [--target-precision P] [--taxonomy NAME[@V]] [--remap OLD->NEW|TABLE-ID]
  canary ENDPOINT VARIANT --share PERCENT   give one primary PERCENT of the traffic
  promote ENDPOINT VARIANT [--alias ALIAS]  make VARIANT the only variant; with --alias, also move
                                            ALIAS of its model to its version and serve NAME@ALIAS
                                            (a release: both halves audited, the alias moved back
                                            if the deployment change fails)
  switch ENDPOINT                           blue-green: swap the live and the standby variant
  rollback ENDPOINT [--alias ALIAS]         restore the revision before the current one (again:
                                            one more revision back); with --alias, also roll back
                                            ALIAS of the model the endpoint follows through it
  remove ENDPOINT
  show ENDPOINT | history ENDPOINT | list

MODEL is an artifact path or a registered NAME, NAME@ALIAS or NAME@VERSION.
Examples:
  lading deploy set hs4 --variant main=hs4@champion
  lading deploy set hs4 --mode canary --variant stable=hs4@champion:95 --variant new=hs4@challenger:5
  lading deploy set hs4 --mode shadow --variant main=hs4@champion --variant next=hs4@candidate:0:shadow
  lading deploy promote hs4 new --alias champion
  lading deploy rollback hs4

Options:
  --reason TEXT   recorded with the revision (and the alias change)
  --actor NAME    who made the change (env LADING_ACTOR; default: the login name)
  --alias ALIAS   promote and rollback: move a model alias together with the deployment
  --no-log-text   set: the prediction log keeps only each text's sha256 for this endpoint, never
                  the text (confidential descriptions); kept through canary and promote
  --target-precision P  set: answers carry "decision": "auto" when the model's per-class
                  thresholds reach precision P (0 < P < 1, e.g. 0.98), else "review"; wins over
                  the server's --target-precision; kept through canary and promote
  --taxonomy NAME[@V]  set: the endpoint answers in this stored taxonomy (pinned to its version
                  now): each answer carries the code's description, and a model never answers a
                  code it lacks (its best valid one, else "review"); wins over the server's
                  --taxonomy; kept through canary and promote
  --remap OLD->NEW|ID  set: answers go through this stored correlation table (pinned to its id)
                  while the model still speaks OLD; its NEW taxonomy is the active one. Set the
                  endpoint again without it once a model trained on NEW serves
${COMMON_HELP}`,

  async run(ctx) {
    const { values, positionals } = parseVerbArgs('deploy', ctx.argv, OPTIONS, true);
    if (values.help || positionals.length === 0) { writeLine(ctx.stdout, this.help); return values.help ? 0 : 2; }
    const actor = ctx.settings(values).actor;
    const reason = values.reason ?? null;
    const [action, endpoint, extra] = positionals;
    const need = (v: string | undefined, what: string): string => {
      if (!v) throw new InputError('missing-argument', `lading deploy ${action}: ${what} is required`, { action: action ?? '' }, 'Run `lading deploy --help`.');
      return v;
    };
    if (!ACTIONS.has(action ?? '')) {
      throw new InputError('unknown-action', `unknown deploy action "${action}"`, { action: action ?? '' }, 'Run `lading deploy --help`.');
    }
    // Parsed before the registry is opened, so a bad flag touches nothing.
    const variants = (values.variant ?? []).map(parseVariant);
    // Deployments live in the registry: SQLite under --home, or PostgreSQL with --registry-url.
    if (values.alias !== undefined && action !== 'promote' && action !== 'rollback') {
      throw new InputError('bad-flag', `lading deploy ${action}: --alias goes with promote and rollback only`, { action: action ?? '' }, 'Run `lading deploy --help`.');
    }
    if (values['no-log-text'] && action !== 'set') {
      throw new InputError('bad-flag', `lading deploy ${action}: --no-log-text goes with set only (later changes keep it)`, { action: action ?? '' }, 'Run `lading deploy --help`.');
    }
    const targetPrecision = values['target-precision'] === undefined ? undefined : targetPrecisionFlag(values['target-precision']);
    if (targetPrecision !== undefined && action !== 'set') {
      throw new InputError('bad-flag', `lading deploy ${action}: --target-precision goes with set only (later changes keep it)`, { action: action ?? '' }, 'Run `lading deploy --help`.');
    }
    if ((values.taxonomy !== undefined || values.remap !== undefined) && action !== 'set') {
      throw new InputError('bad-flag', `lading deploy ${action}: --taxonomy and --remap go with set only (later changes keep them)`, { action: action ?? '' }, 'Run `lading deploy --help`.');
    }
    // Pinned (hs2022 -> hs2022@1, OLD->NEW -> a table id) and checked before the registry is written: an unknown name changes nothing.
    const taxonomy = values.taxonomy === undefined && values.remap === undefined ? {}
      : await withTaxonomyStore(ctx.settings(values), (store) => pinTaxonomyChoice(store, { taxonomy: values.taxonomy, remap: values.remap }));
    const alias = values.alias;
    const release = { actor, ...(values.reason !== undefined ? { reason: values.reason } : {}), ...(alias !== undefined ? { alias } : {}) };
    const out = await withRegistry(ctx, values, async (ws): Promise<DeploymentRecord | DeploymentRecord[] | Release> => {
      const control = new DeploymentControl(ws.deployments);
      const releases = new ReleaseControl(ws, control);
      switch (action) {
        case 'set': return control.deploy({
          endpoint: need(endpoint, 'ENDPOINT'), mode: values.mode as DeploymentMode, variants, ...(values['no-log-text'] ? { logText: false } : {}),
          ...(targetPrecision !== undefined ? { targetPrecision } : {}), ...taxonomy,
        }, actor, reason);
        case 'canary': return control.canary(need(endpoint, 'ENDPOINT'), need(extra, 'VARIANT'), Number(need(values.share, '--share')), actor, reason);
        case 'promote':
          if (alias !== undefined) return releases.release({ endpoint: need(endpoint, 'ENDPOINT'), variant: need(extra, 'VARIANT'), ...release });
          return control.promote(need(endpoint, 'ENDPOINT'), need(extra, 'VARIANT'), actor, reason);
        case 'switch': return control.switchBlueGreen(need(endpoint, 'ENDPOINT'), actor, reason);
        case 'rollback':
          if (alias !== undefined) return releases.rollbackRelease({ endpoint: need(endpoint, 'ENDPOINT'), ...release });
          return control.rollback(need(endpoint, 'ENDPOINT'), actor, reason);
        case 'remove': return control.remove(need(endpoint, 'ENDPOINT'), actor, reason);
        case 'show': {
          const c = await control.store.current(need(endpoint, 'ENDPOINT'));
          if (!c) throw new NotFoundError('unknown-endpoint', `no deployment named ${endpoint}`, { endpoint: endpoint ?? '' }, 'Run `lading deploy list`.');
          return c;
        }
        case 'history': return control.store.history(need(endpoint, 'ENDPOINT'));
        default: return control.store.currentAll();
      }
    });
    if (values.json) { writeJson(ctx.stdout, out); return 0; }
    if ('deployment' in out) {
      writeLine(ctx.stdout, `${out.model}@${out.alias.alias.alias}: ${out.alias.previousVersion ?? '(new)'} -> ${out.alias.alias.version}`);
    }
    const records = 'deployment' in out ? out.deployment : out;
    const rows = Array.isArray(records) ? records : [records];
    writeLine(ctx.stdout, table(['endpoint', 'rev', 'action', 'mode', 'variants', 'actor', 'at'], rows.map((r) => [
      r.endpoint, r.revision, r.action, r.spec ? `${r.spec.mode}${r.spec.logText === false ? ' (texts not logged)' : ''}${r.spec.targetPrecision !== undefined ? ` (decides at ${r.spec.targetPrecision})` : ''}`
        + `${r.spec.taxonomy !== undefined ? ` (taxonomy ${r.spec.taxonomy}${r.spec.remap !== undefined ? ` via ${r.spec.remap}` : ''})` : ''}` : '(removed)',
      r.spec?.variants.map((v) => `${v.name}=${v.model}:${v.weight}${v.role === 'shadow' ? ':shadow' : ''}`).join(' ') ?? '', r.actor, utcTime(r.at),
    ])));
    return 0;
  },
};

/** NAME=MODEL[:WEIGHT][:shadow]; the model ref itself may hold '@' but not ':'. */
export function parseVariant(raw: string): VariantSpec {
  const eq = raw.indexOf('=');
  if (eq <= 0) throw new InputError('bad-variant', `--variant "${raw}" is not NAME=MODEL[:WEIGHT][:shadow]`, { variant: raw });
  const parts = raw.slice(eq + 1).split(':');
  const model = parts[0] ?? '';
  let weight = 1;
  let role: VariantSpec['role'] = 'primary';
  for (const p of parts.slice(1)) {
    if (p === 'shadow') role = 'shadow';
    else if (p !== '' && Number.isFinite(Number(p))) weight = Number(p);
    else throw new InputError('bad-variant', `--variant "${raw}": "${p}" is neither a weight nor "shadow"`, { variant: raw });
  }
  return { name: raw.slice(0, eq), model, weight, role };
}

/** --target-precision P: a number strictly between 0 and 1; anything else is refused naming the flag. */
function targetPrecisionFlag(raw: string): number {
  const n = Number(raw);
  return checkTargetPrecision(raw.trim() !== '' && Number.isFinite(n) ? n : raw, '--target-precision');
}
