import type { DeploymentSpec, VariantSpec } from '../../core/deployment-spec.js';
import { InputError } from '../../core/errors.js';
import { endpointSettings, validateDeployment } from '../../serving/deployment.js';
import type { ReleaseStep } from '../pipeline/pipeline-spec.js';


/** The challenger's variant name while a release runs (`challenger-2` if the endpoint already uses the name). */
export function challengerVariantName(base: DeploymentSpec): string {
  const names = new Set(base.variants.map((v) => v.name));
  if (!names.has('challenger')) return 'challenger';
  let n = 2;
  while (names.has(`challenger-${n}`)) n++;
  return `challenger-${n}`;
}

/**
 * The variant that serves the endpoint before a release: a release starts from a plain deployment
 * (one primary taking traffic, no shadow), so that "the champion" means one model. InputError
 * naming the endpoint's shape otherwise.
 */
export function championVariant(base: DeploymentSpec): VariantSpec {
  const live = base.variants.filter((v) => v.role === 'primary' && v.weight > 0);
  const first = live[0];
  if (live.length !== 1 || first === undefined || base.variants.some((v) => v.role === 'shadow')) {
    throw new InputError('release-needs-single-deployment', `endpoint ${base.endpoint} is a ${base.mode} deployment (${base.variants.map((v) => `${v.name}:${v.role}:${v.weight}`).join(', ')}); a release starts from one primary serving all traffic`,
      { endpoint: base.endpoint, mode: base.mode }, `Settle the endpoint first (\`lading deploy promote ${base.endpoint} VARIANT\`), then start the release.`);
  }
  return first;
}

/**
 * The deployment a release step asks for, derived from the spec before the release (so every step
 * and a restart compute the same spec): shadow mirrors traffic to the challenger, canary gives it
 * `percent`% of primary traffic, blue-green moves all traffic to it with the champion kept warm as
 * the standby. An approval step changes nothing: it holds the previous step's deployment.
 */
export function stepDeployment(base: DeploymentSpec, challengerRef: string, steps: readonly ReleaseStep[], index: number): DeploymentSpec {
  const champion = championVariant(base);
  const name = challengerVariantName(base);
  const keep = endpointSettings(base);
  const step = effectiveStep(steps, index);
  const c = (role: VariantSpec['role'], weight: number): VariantSpec => ({ name, model: challengerRef, role, weight });
  const ch = (weight: number): VariantSpec => ({ ...champion, weight });
  switch (step.kind) {
    case 'shadow':
      return validateDeployment({ ...keep, endpoint: base.endpoint, mode: 'shadow', variants: [ch(1), c('shadow', 0)] });
    case 'canary':
      return validateDeployment({ ...keep, endpoint: base.endpoint, mode: 'canary', variants: [ch(100 - step.percent), c('primary', step.percent)] });
    case 'blue-green':
      return validateDeployment({ ...keep, endpoint: base.endpoint, mode: 'blue-green', variants: [ch(0), c('primary', 1)] });
    case 'approval':
      return base;
  }
}

/** The step whose deployment is in force at `index`: an approval step holds the one before it. */
export function effectiveStep(steps: readonly ReleaseStep[], index: number): ReleaseStep {
  for (let i = index; i >= 0; i--) {
    const s = steps[i];
    if (s !== undefined && s.kind !== 'approval') return s;
  }
  return { kind: 'approval' };
}

/** Describes a step for people: "shadow (2,000 requests)", "canary 25%". */
export function describeStep(step: ReleaseStep | undefined): string {
  if (step === undefined) return 'promotion';
  switch (step.kind) {
    case 'shadow': return `shadow (${step.requests.toLocaleString('en-US')} requests)`;
    case 'canary': return `canary ${step.percent}%`;
    case 'blue-green': return 'blue/green switch';
    case 'approval': return 'approval by a person';
  }
}
