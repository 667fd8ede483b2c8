import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { DEPLOYMENT_MODES, type DeploymentMode, type VariantSpec } from '../serving/deployment.js';
import { DeploymentControl } from '../serving/deployment-control.js';
import type { DeploymentRecord } from '../serving/deployment-store.js';
import { FileDeploymentStore } from '../serving/file-deployment-store.js';
import { parseVerbArgs } from './args.js';
import { COMMON_HELP, COMMON_OPTIONS, type Verb } from './context.js';
import { table, writeJson, writeLine } from './output.js';

const OPTIONS = {
  ...COMMON_OPTIONS,
  mode: { type: 'string', default: 'single' },
  variant: { type: 'string', multiple: true },
  reason: { type: 'string' },
  actor: { type: 'string' },
  share: { type: 'string' },
} as const;

export const verb: Verb = {
  summary: 'create, change, promote and roll back serving deployments (A/B, canary, shadow, blue-green)',
  help: `Usage: lading deploy <action> ENDPOINT [options]

Deployments live in the workspace with their full history; every change is one audited revision
(who, when, why). Servers started with \`lading serve --deployment ENDPOINT\` apply changes within a
second, without a restart.

Actions:
  set ENDPOINT --variant NAME=MODEL[:WEIGHT][:shadow] ... [--mode ${DEPLOYMENT_MODES.join('|')}]
  canary ENDPOINT VARIANT --share PERCENT   give one primary PERCENT of the traffic
  promote ENDPOINT VARIANT                  make VARIANT the only variant
  switch ENDPOINT                           blue-green: swap the live and the standby variant
  rollback ENDPOINT                         restore the revision before the current one
  remove ENDPOINT
  show ENDPOINT | history ENDPOINT | list

MODEL is an artifact path or a registered NAME, NAME@ALIAS or NAME@VERSION.
Examples:
  lading deploy set hs4 --variant main=hs4@champion
  lading deploy set hs4 --mode canary --variant stable=hs4@champion:95 --variant new=hs4@challenger:5
  lading deploy set hs4 --mode shadow --variant main=hs4@champion --variant next=hs4@candidate:0:shadow
  lading deploy rollback hs4

Options:
  --reason TEXT   recorded with the revision
  --actor NAME    who made the change (default: $USER)
${COMMON_HELP}`,

  async run(ctx) {
    const { values, positionals } = parseVerbArgs('deploy', ctx.argv, OPTIONS, true);
    if (values.help || positionals.length === 0) { writeLine(ctx.stdout, this.help); return values.help ? 0 : 2; }
    const settings = ctx.settings({ home: values.home, threads: values.threads });
    const control = new DeploymentControl(new FileDeploymentStore(join(settings.home, 'deployments.jsonl')));
    const actor = values.actor ?? ctx.env['USER'] ?? 'cli';
    const reason = values.reason ?? null;
    const [action, endpoint, extra] = positionals;
    const need = (v: string | undefined, what: string): string => {
      if (!v) throw new InputError('missing-argument', `lading deploy ${action}: ${what} is required`, { action: action ?? '' }, 'Run `lading deploy --help`.');
      return v;
    };
    let out: DeploymentRecord | DeploymentRecord[] | undefined;
    switch (action) {
      case 'set': {
        const mode = values.mode as DeploymentMode;
        const variants = (values.variant ?? []).map(parseVariant);
        out = await control.deploy({ endpoint: need(endpoint, 'ENDPOINT'), mode, variants }, actor, reason);
        break;
      }
      case 'canary': {
        const share = Number(need(values.share, '--share'));
        out = await control.canary(need(endpoint, 'ENDPOINT'), need(extra, 'VARIANT'), share, actor, reason);
        break;
      }
      case 'promote': out = await control.promote(need(endpoint, 'ENDPOINT'), need(extra, 'VARIANT'), actor, reason); break;
      case 'switch': out = await control.switchBlueGreen(need(endpoint, 'ENDPOINT'), actor, reason); break;
      case 'rollback': out = await control.rollback(need(endpoint, 'ENDPOINT'), actor, reason); break;
      case 'remove': out = await control.remove(need(endpoint, 'ENDPOINT'), actor, reason); break;
      case 'show': {
        const c = await control.store.current(need(endpoint, 'ENDPOINT'));
        if (!c) throw new InputError('unknown-endpoint', `no deployment named ${endpoint}`, { endpoint: endpoint ?? '' });
        out = c;
        break;
      }
      case 'history': out = await control.store.history(need(endpoint, 'ENDPOINT')); break;
      case 'list': out = await control.store.currentAll(); break;
      default:
        throw new InputError('unknown-action', `unknown deploy action "${action}"`, { action: action ?? '' }, 'Run `lading deploy --help`.');
    }
    if (values.json) { writeJson(ctx.stdout, out); return 0; }
    const rows = Array.isArray(out) ? out : [out];
    writeLine(ctx.stdout, table(['endpoint', 'rev', 'action', 'mode', 'variants', 'actor', 'at'], rows.map((r) => [
      r.endpoint, r.revision, r.action, r.spec?.mode ?? '(removed)',
      r.spec?.variants.map((v) => `${v.name}=${v.model}:${v.weight}${v.role === 'shadow' ? ':shadow' : ''}`).join(' ') ?? '', r.actor, r.at,
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
