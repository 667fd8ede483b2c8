import { ConflictError, InputError, NotFoundError } from '../core/errors.js';
import { validateDeployment, type DeploymentSpec } from '../serving/deployment.js';
import type { DeploymentRecord, DeploymentStore } from '../registry/deployment-store.js';

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

  /** The variant becomes the only primary (shadows are dropped): the end of an A/B or canary. */
  async promote(endpoint: string, variant: string, actor: string, reason: string | null = null): Promise<DeploymentRecord> {
    const { spec, revision } = await this.live(endpoint);
    const v = spec.variants.find((x) => x.name === variant);
    if (!v) throw new NotFoundError('unknown-variant', `endpoint ${endpoint} has no variant "${variant}"`, { endpoint, variant });
    const next = validateDeployment({ endpoint, mode: 'single', variants: [{ ...v, role: 'primary', weight: 1 }] });
    return this.store.append(endpoint, next, 'promote', actor, reason, revision);
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
    const next = validateDeployment({ endpoint, mode: spec.mode === 'single' ? 'canary' : spec.mode, variants });
    return this.store.append(endpoint, next, 'canary', actor, reason, revision);
  }

  /** Blue/green: the standby primary takes all traffic, the live one becomes the (warm) standby. */
  async switchBlueGreen(endpoint: string, actor: string, reason: string | null = null): Promise<DeploymentRecord> {
    const { spec, revision } = await this.live(endpoint);
    if (spec.mode !== 'blue-green') throw new ConflictError('not-blue-green', `endpoint ${endpoint} is a ${spec.mode} deployment, not blue-green`, { endpoint });
    const variants = spec.variants.map((x) => (x.role === 'primary' ? { ...x, weight: x.weight > 0 ? 0 : 1 } : x));
    return this.store.append(endpoint, validateDeployment({ ...spec, variants }), 'switch', actor, reason, revision);
  }

  /** Restores the revision before the current one (as a new revision, so history stays append-only). */
  async rollback(endpoint: string, actor: string, reason: string | null = null): Promise<DeploymentRecord> {
    const history = await this.store.history(endpoint);
    if (history.length === 0) throw new NotFoundError('unknown-endpoint', `no deployment named ${endpoint}`, { endpoint });
    const current = history[history.length - 1]!;
    // The revision that was live before the current one came in: for a rollback, the one it replaced.
    const previous = history[history.length - 2];
    if (!previous) throw new ConflictError('nothing-to-roll-back', `endpoint ${endpoint} has only one revision; there is nothing to roll back to`, { endpoint, revision: current.revision });
    let target = previous;
    if (current.action === 'rollback') {
      // Rolling back twice walks further back instead of undoing the rollback.
      const rolledFrom = history.filter((r) => r.action === 'rollback').length;
      target = history[Math.max(0, history.length - 2 - rolledFrom)] ?? previous;
    }
    return this.store.append(endpoint, target.spec, 'rollback', actor, reason ?? `restore revision ${target.revision}`, current.revision);
  }

  async remove(endpoint: string, actor: string, reason: string | null = null): Promise<DeploymentRecord> {
    const { revision } = await this.live(endpoint);
    return this.store.append(endpoint, null, 'remove', actor, reason, revision);
  }

  /** The live spec and the revision it is, so the change derived from it is appended only on top of it. */
  private async live(endpoint: string): Promise<{ spec: DeploymentSpec; revision: number }> {
    const c = await this.store.current(endpoint);
    if (!c?.spec) throw new NotFoundError('unknown-endpoint', `no live deployment named ${endpoint}`, { endpoint }, 'Run `lading deploy list`.');
    return { spec: c.spec, revision: c.revision };
  }
}
