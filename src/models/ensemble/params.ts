import { InputError } from '../../core/errors.js';
import { memberKind } from './member-kinds.js';
import { badParam, numberParam } from '../number-param.js';

export interface EnsembleParams {
  /** Member kinds, in order; the first also answers `explain`. */
  readonly members: readonly string[];
  readonly folds: number;
  readonly topK: number;
  readonly memory: boolean;
  readonly neighbours: number;
  readonly votePower: number;
  readonly memoryLabels: number;
  readonly postingCap: number;
  readonly l2: number;
}

export const ENSEMBLE_DEFAULTS = {
  members: 'linear,fasttext',
  folds: 3,
  topK: 5,
  memory: true,
  neighbours: 10,
  votePower: 2,
  memoryLabels: 3,
  postingCap: 2000,
  l2: 0.001,
} as const satisfies Readonly<Record<string, number | string | boolean>>;

export const ENSEMBLE_PARAM_HELP: Readonly<Record<keyof typeof ENSEMBLE_DEFAULTS, string>> = {
  members: 'member kinds, comma-separated (each trained with its defaults); the first explains predictions',
  folds: 'cross-fitting folds: each member is fitted this many times on the other folds to score the held-out fold for the re-ranker, then once on all rows',
  topK: 'candidates each member proposes to the re-ranker',
  memory: 'near-duplicate memory (nearest neighbours over texts with counts and packaging folded) as a re-ranker feature',
  neighbours: 'nearest training texts that vote',
  votePower: 'a neighbour votes with similarity^votePower',
  memoryLabels: 'labels the memory adds to the candidates',
  postingCap: 'tokens in more training texts than this only re-score candidates found by rarer tokens (speed)',
  l2: 'ridge penalty of the re-ranker (on standardised features)',
};

const bad = (param: string, value: unknown, expected: string) => badParam('ensemble', param, value, expected);
const num = (raw: Readonly<Record<string, unknown>>, key: keyof typeof ENSEMBLE_DEFAULTS, min: number, max: number, integer: boolean) =>
  numberParam('ensemble', ENSEMBLE_DEFAULTS, raw, key, min, max, integer);

export function parseEnsembleParams(raw: Readonly<Record<string, unknown>>): EnsembleParams {
  for (const key of Object.keys(raw)) {
    if (!(key in ENSEMBLE_DEFAULTS)) {
      throw new InputError('unknown-param', `unknown ensemble parameter "${key}"; known: ${Object.keys(ENSEMBLE_DEFAULTS).join(', ')}`, { param: key });
    }
  }
  const membersRaw = raw['members'] ?? ENSEMBLE_DEFAULTS.members;
  const members = (Array.isArray(membersRaw) ? membersRaw.map(String) : String(membersRaw).split(',')).map((m) => m.trim()).filter((m) => m !== '');
  if (members.length === 0) throw bad('members', membersRaw, 'at least one member kind');
  for (const m of members) memberKind(m);
  const memory = raw['memory'] ?? ENSEMBLE_DEFAULTS.memory;
  if (typeof memory !== 'boolean') throw bad('memory', memory, 'true or false');
  return {
    members, memory,
    folds: num(raw, 'folds', 2, 20, true),
    topK: num(raw, 'topK', 1, 100, true),
    neighbours: num(raw, 'neighbours', 1, 1000, true),
    votePower: num(raw, 'votePower', 0, 16, false),
    memoryLabels: num(raw, 'memoryLabels', 0, 100, true),
    postingCap: num(raw, 'postingCap', 1, 1e9, true),
    l2: num(raw, 'l2', 0, 100, false),
  };
}

/** The params as stored in the artifact (members as the comma list they were given as). */
export function paramsRecord(p: EnsembleParams): Record<string, number | string | boolean> {
  return { ...p, members: p.members.join(',') };
}
