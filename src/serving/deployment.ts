import { checkTargetPrecision } from '../core/decision-policy.js';
import { InputError } from '../core/errors.js';
import type { DeploymentMode, DeploymentSpec, VariantSpec } from '../core/deployment-spec.js';

/**
 * A deployment: an endpoint name and the variants behind it. Every release pattern is a shape of
 * the same record, so one code path applies them all:
 * - single: one primary variant.
 * - ab: several primaries with weights; a request key picks one stickily.
 * - canary: a stable primary and a new one with a small weight (the share is changed by command).
 * - shadow: primaries answer; shadow variants get a copy of the traffic, their answers recorded only.
 * - blue-green: two primaries, the live one at full weight and the standby at weight 0 (loaded and
 *   warm); the switch swaps the weights, atomically.
 */
export type { DeploymentMode, DeploymentSpec, VariantSpec };
export const DEPLOYMENT_MODES: readonly DeploymentMode[] = ['single', 'ab', 'canary', 'shadow', 'blue-green'];

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkEndpointName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new InputError('bad-endpoint-name', `endpoint name "${name}" must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`, { endpoint: name });
  }
}

/** Throws an InputError naming the first thing wrong with a deployment; returns it unchanged otherwise. */
export function validateDeployment(spec: DeploymentSpec): DeploymentSpec {
  checkEndpointName(spec.endpoint);
  if (!DEPLOYMENT_MODES.includes(spec.mode)) {
    throw new InputError('bad-deployment-mode', `mode must be one of ${DEPLOYMENT_MODES.join(', ')}, got "${String(spec.mode)}"`, { endpoint: spec.endpoint, mode: String(spec.mode) });
  }
  if (!Array.isArray(spec.variants) || spec.variants.length === 0) {
    throw new InputError('no-variants', `deployment ${spec.endpoint} has no variants`, { endpoint: spec.endpoint });
  }
  if (spec.logText !== undefined && typeof spec.logText !== 'boolean') {
    throw new InputError('bad-log-text', `deployment ${spec.endpoint}: logText must be true or false, got ${JSON.stringify(spec.logText)}`, { endpoint: spec.endpoint, field: 'logText' });
  }
  if (spec.targetPrecision !== undefined) checkTargetPrecision(spec.targetPrecision, `deployment ${spec.endpoint} field targetPrecision`);
  for (const field of ['taxonomy', 'remap'] as const) {
    const v: unknown = spec[field];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0 || v.length > 256)) {
      throw new InputError(`bad-${field}`, `deployment ${spec.endpoint}: ${field} must be a non-empty name, got ${JSON.stringify(v)}`, { endpoint: spec.endpoint, field });
    }
  }
  const seen = new Set<string>();
  for (const v of spec.variants) {
    if (!NAME_RE.test(v.name)) {
      throw new InputError('bad-variant-name', `variant name "${v.name}" must be 1-64 letters, digits, '.', '_' or '-'`, { endpoint: spec.endpoint, variant: v.name });
    }
    if (seen.has(v.name)) throw new InputError('duplicate-variant', `variant "${v.name}" appears twice in ${spec.endpoint}`, { endpoint: spec.endpoint, variant: v.name });
    seen.add(v.name);
    if (typeof v.model !== 'string' || v.model.length === 0 || v.model.length > 1024) {
      throw new InputError('bad-variant-model', `variant "${v.name}" needs a model reference (path or name@alias)`, { endpoint: spec.endpoint, variant: v.name });
    }
    if (typeof v.weight !== 'number' || !Number.isFinite(v.weight) || v.weight < 0 || v.weight > 1e6) {
      throw new InputError('bad-variant-weight', `variant "${v.name}" weight must be a number from 0 to 1000000, got ${String(v.weight)}`, { endpoint: spec.endpoint, variant: v.name });
    }
    if (v.role !== 'primary' && v.role !== 'shadow') {
      throw new InputError('bad-variant-role', `variant "${v.name}" role must be primary or shadow, got "${String(v.role)}"`, { endpoint: spec.endpoint, variant: v.name });
    }
  }
  const primaries = spec.variants.filter((v) => v.role === 'primary');
  const shadows = spec.variants.filter((v) => v.role === 'shadow');
  if (primaries.reduce((s, v) => s + v.weight, 0) <= 0) {
    throw new InputError('no-primary-traffic', `deployment ${spec.endpoint} needs at least one primary variant with a weight above 0`, { endpoint: spec.endpoint });
  }
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new InputError('bad-deployment-shape', `a ${spec.mode} deployment needs ${what} (${spec.endpoint})`, { endpoint: spec.endpoint, mode: spec.mode });
  };
  if (spec.mode === 'single') need(primaries.length === 1 && shadows.length === 0, 'exactly one primary and no shadow');
  if (spec.mode === 'ab' || spec.mode === 'canary') need(primaries.length >= 2, 'two or more primaries');
  if (spec.mode === 'shadow') need(shadows.length >= 1, 'at least one shadow variant');
  if (spec.mode === 'blue-green') need(primaries.length === 2 && primaries.filter((v) => v.weight > 0).length === 1, 'two primaries, exactly one of them with weight above 0');
  return spec;
}

/** What a change of variants keeps of the endpoint itself: whether its texts are logged, its target precision, its taxonomy. */
export function endpointSettings(spec: DeploymentSpec): Pick<DeploymentSpec, 'logText' | 'targetPrecision' | 'taxonomy' | 'remap'> {
  return {
    ...(spec.logText === undefined ? {} : { logText: spec.logText }), ...(spec.targetPrecision === undefined ? {} : { targetPrecision: spec.targetPrecision }),
    ...(spec.taxonomy === undefined ? {} : { taxonomy: spec.taxonomy }), ...(spec.remap === undefined ? {} : { remap: spec.remap }),
  };
}

/** The deployment that serves one model file or ref as it is. */
export function singleDeployment(endpoint: string, model: string): DeploymentSpec {
  return validateDeployment({ endpoint, mode: 'single', variants: [{ name: 'main', model, weight: 1, role: 'primary' }] });
}
