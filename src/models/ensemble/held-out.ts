import { InputError } from '../../core/errors.js';
import type { HeldOutChoices } from '../classifier.js';
import type { EnsembleParams } from './params.js';
import { featureCount } from './rerank-features.js';

/**
 * What an ensemble chose on rows its served parts never saw, so that a refit on all rows
 * (training/refit.ts) keeps them and only refits the parts that learn from rows:
 * - `rerank.<j>`: the re-ranker's weights, learnt from the out-of-fold candidates;
 * - `temperature`: the re-ranker's temperature, fitted on the validation rows;
 * - `member.<i>.<name>`: member i's own held-out choices (linear's temperature), which its refit takes back;
 * - `fit.<name>`: the first fit's figures on held-out rows (out-of-fold accuracies), carried so the
 *   refit model's artifact still shows them. Not choices, but findings of the same held-out rows.
 * The members and the near-duplicate memory are then fitted on every row, as everything else a refit ships.
 */
export interface EnsembleChoices {
  readonly weights: Float64Array;
  readonly temperature: number;
  readonly members: readonly HeldOutChoices[];
  readonly fit: Readonly<Record<string, number>>;
}

export function ensembleChoices(c: EnsembleChoices): HeldOutChoices {
  const out: Record<string, number> = {};
  c.weights.forEach((w, j) => { out[`rerank.${j}`] = w; });
  out['temperature'] = c.temperature;
  c.members.forEach((m, i) => { for (const [name, v] of Object.entries(m)) out[`member.${i}.${name}`] = v; });
  for (const [name, v] of Object.entries(c.fit)) out[`fit.${name}`] = v;
  return out;
}

/**
 * The choices a refit takes back (TrainOptions.fixed), checked against the ensemble's params: every
 * re-ranker weight and the temperature must be there (a missing one would be decided on no rows),
 * and a name outside the scheme above is refused (it would be silently ignored). Undefined when the
 * fit is not a refit.
 */
export function fixedEnsembleChoices(fixed: HeldOutChoices | undefined, params: EnsembleParams): EnsembleChoices | undefined {
  if (fixed === undefined) return undefined;
  const bad = (choice: string, why: string) => new InputError('bad-fixed-choice', `an ensemble refit ${why}`, { kind: 'ensemble', choice },
    'Refit from the choices a fit of the same ensemble params reported (training.choices of its artifact).');
  const F = featureCount(params.members.length);
  const weights = new Float64Array(F);
  const members: Record<string, number>[] = params.members.map(() => ({}));
  const fit: Record<string, number> = {};
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(fixed)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(name, `needs the held-out choice "${name}" as a finite number, got ${JSON.stringify(value)}`);
    const [head, a, ...rest] = name.split('.');
    if (head === 'rerank' && a !== undefined && rest.length === 0 && /^\d+$/.test(a) && Number(a) < F) weights[Number(a)] = value;
    else if (name === 'temperature') {
      if (!(value > 0)) throw bad(name, `needs a temperature above 0, got ${value}`);
    } else if (head === 'member' && a !== undefined && /^\d+$/.test(a) && Number(a) < members.length && rest.length > 0) members[Number(a)]![rest.join('.')] = value;
    else if (head === 'fit' && a !== undefined) fit[name.slice('fit.'.length)] = value;
    else {
      throw bad(name, `does not take a held-out choice named "${name}"; it takes rerank.0..rerank.${F - 1}, temperature, member.<0..${members.length - 1}>.<choice> and fit.<figure>`);
    }
    seen.add(name);
  }
  for (let j = 0; j < F; j++) if (!seen.has(`rerank.${j}`)) throw bad(`rerank.${j}`, `needs the held-out choice "rerank.${j}" (the re-ranker has ${F} weights for ${params.members.length} member(s))`);
  if (!seen.has('temperature')) throw bad('temperature', 'needs the held-out choice "temperature"');
  return { weights, temperature: fixed['temperature']!, members, fit };
}
