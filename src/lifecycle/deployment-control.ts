import { ConflictError, InputError, NotFoundError } from '../core/errors.js';
import { endpointSettings, validateDeployment, type DeploymentSpec, type VariantSpec } from '../serving/deployment.js';
import type { DeploymentAction, DeploymentRecord, DeploymentStore } from '../registry/deployment-store.js';

export interface ChangeOptions {
  /** The revision the caller decided on: the change is refused (ConflictError, nothing written) if the endpoint moved on since. */
  readonly fromRevision?: number;
}

/**
 * The operator's verbs on deployments, shared by `lading deploy` and the admin HTTP routes. Each
 * one validates, then appends one revision (the audit trail: who, what, why, when); a change
 * computed from revision N is appended only if N is still the latest (else a ConflictError), so two
 * operators never silently overwrite each other. Servers pick
 * the change up from the store (DeploymentSync); nothing here talks to a running server.
 */
export class DeploymentControl {
  constructor(readonly store: DeploymentStore, private readonly checkModel?: (ref: string) => Promise<void>) {}

  async deploy(spec: DeploymentSpec, actor: string, reason: string | null = null): Promise<DeploymentRecord> {
    validateDeployment(spec);
    if (this.checkModel) for (const v of spec.variants) await this.checkModel(v.model);
    return this.store.append(spec.endpoint, spec, 'deploy', actor, reason);
  }

  /**
   * Appends `spec` as the endpoint's next revision, recorded as `action`, only on top of
   * `fromRevision`: how the lifecycle controller moves a release from step to step (and restores
   * the spec a release started from), so a change decided on an old revision is refused.
   */
  async apply(spec: DeploymentSpec, action: DeploymentAction, actor: string, reason: string, fromRevision: number): Promise<DeploymentRecord> {
    validateDeployment(spec);
    if (this.checkModel) for (const v of spec.variants) await this.checkModel(v.model);
    return this.store.append(spec.endpoint, spec, action, actor, reason, fromRevision);
  }

  /**
   * The variant becomes the only primary (shadows are dropped): the end of an A/B or canary.
   * `options.model` replaces the variant's model ref (release-control.ts points it at an alias);
   * `options.fromRevision` refuses the change (ConflictError) unless the endpoint is still there.
   */
  async promote(endpoint: string, variant: string, actor: string, reason: string | null = null, options: ChangeOptions & { readonly model?: string; readonly renameTo?: string } = {}): Promise<DeploymentRecord> {
    const { spec, revision } = await this.live(endpoint);
    const v = this.variantOf(endpoint, spec, variant);
    const next = validateDeployment({ ...endpointSettings(spec), endpoint, mode: 'single', variants: [{ ...v, name: options.renameTo ?? v.name, model: options.model ?? v.model, role: 'primary', weight: 1 }] });
    return this.store.append(endpoint, next, 'promote', actor, reason, options.fromRevision ?? revision);
  }

  /** A variant of the live deployment; NotFoundError naming the endpoint otherwise. */
  variantOf(endpoint: string, spec: DeploymentSpec, variant: string): VariantSpec {
    const v = spec.variants.find((x) => x.name === variant);
    if (!v) throw new NotFoundError('unknown-variant', `endpoint ${endpoint} has no variant "${variant}"`, { endpoint, variant });
    return v;
  }

  /** Sets a primary variant's share of traffic to `percent`; the other primaries share the rest by their old proportions. */
  async canary(endpoint: string, variant: string, percent: number, actor: string, reason: string | null = null): Promise<DeploymentRecord> {
    if (!(percent >= 0 && percent <= 100)) throw new InputError('bad-share', `the canary share must be from 0 to 100 percent, got ${percent}`, { endpoint, percent });
    const { spec, revision } = await this.live(endpoint);
    const target = spec.variants.find((x) => x.name === variant && x.role === 'primary');
    if (!target) throw new NotFoundError('unknown-variant', `endpoint ${endpoint} has no primary variant "${variant}"`, { endpoint, variant });
    const others = spec.variants.filter((x) => x.role === 'primary' && x.name !== variant);
    const otherTotal = others.reduce((s, x) => s + x.weight, 0);
    const variants = spec.variants.map((x) => {
      if (x.role !== 'primary') return x;
      if (x.name === variant) return { ...x, weight: percent };
      const w = otherTotal > 0 ? (x.weight / otherTotal) * (100 - percent) : (100 - percent) / others.length;
      return { ...x, weight: w };
    });
    const next = validateDeployment({ ...endpointSettings(spec), endpoint, mode: spec.mode === 'single' ? 'canary' : spec.mode, variants });
    return this.store.append(endpoint, next, 'canary', actor, reason, revision);
  }

  /** Blue/green: the standby primary takes all traffic, the live one becomes the (warm) standby. */
  async switchBlueGreen(endpoint: string, actor: string, reason: string | null = null): Promise<DeploymentRecord> {
    const { spec, revision } = await this.live(endpoint);
    if (spec.mode !== 'blue-green') throw new ConflictError('not-blue-green', `endpoint ${endpoint} is a ${spec.mode} deployment, not blue-green`, { endpoint });
    const variants = spec.variants.map((x) => (x.role === 'primary' ? { ...x, weight: x.weight > 0 ? 0 : 1 } : x));
    return this.store.append(endpoint, validateDeployment({ ...spec, variants }), 'switch', actor, reason, revision);
  }

  /**
   * Restores the revision before the current one (as a new revision, so history stays append-only).
   * Consecutive rollbacks walk back one revision each: after revisions 1, 2, 3 a rollback restores 2,
   * the next one 1. Any other change ends the walk; the next rollback starts from that change.
   */
  async rollback(endpoint: string, actor: string, reason: string | null = null, options: ChangeOptions = {}): Promise<DeploymentRecord> {
    const { current, target } = await this.planRollback(endpoint);
    return this.store.append(endpoint, target.spec, 'rollback', actor, reason ?? `restore revision ${target.revision}`, options.fromRevision ?? current.revision);
  }

  /** The revision a rollback would restore (and the current one), or the error rollback would throw; writes nothing. */
  async planRollback(endpoint: string): Promise<{ current: DeploymentRecord; target: DeploymentRecord }> {
    const history = await this.store.history(endpoint);
    const current = history.at(-1);
    if (current === undefined) throw new NotFoundError('unknown-endpoint', `no deployment named ${endpoint}`, { endpoint }, 'Run `lading deploy list`.');
    const target = rollbackTarget(history);
    if (target === undefined) {
      const why = history.length === 1 ? 'has only one revision' : 'was already rolled back to its first revision';
      throw new ConflictError('nothing-to-roll-back', `endpoint ${endpoint} ${why}; there is nothing older to restore`,
        { endpoint, revision: current.revision }, `Deploy the spec you want with \`lading deploy set ${endpoint} ...\`.`);
    }
    return { current, target };
  }

  async remove(endpoint: string, actor: string, reason: string | null = null): Promise<DeploymentRecord> {
    const { revision } = await this.live(endpoint);
    return this.store.append(endpoint, null, 'remove', actor, reason, revision);
  }

  /** The live spec and the revision it is, so the change derived from it is appended only on top of it. */
  async live(endpoint: string): Promise<{ spec: DeploymentSpec; revision: number }> {
    const c = await this.store.current(endpoint);
    if (!c?.spec) throw new NotFoundError('unknown-endpoint', `no live deployment named ${endpoint}`, { endpoint }, 'Run `lading deploy list`.');
    return { spec: c.spec, revision: c.revision };
  }
}

/**
 * The revision a rollback restores, from an endpoint's history (oldest first, revisions 1..N). The
 * trailing run of k rollbacks started from the change before it (revision b); they restored b-1,
 * b-2, ..., b-k, so the next one restores b-k-1. undefined when that is before revision 1.
 */
export function rollbackTarget(history: readonly DeploymentRecord[]): DeploymentRecord | undefined {
  let k = 0;
  while (k < history.length && history[history.length - 1 - k]!.action === 'rollback') k++;
  const base = history.length - 1 - k;
  return base - (k + 1) >= 0 ? history[base - (k + 1)] : undefined;
}

