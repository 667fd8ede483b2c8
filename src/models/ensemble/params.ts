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
  /**
   * Hierarchy levels of the re-ranker (label prefix lengths): 'auto' until training resolves it
   * from the labels (autoPrefixes); a trained model's are a list (empty: none).
   */
  readonly prefixes: 'auto' | readonly number[];
  readonly agreement: boolean;
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
  prefixes: 'none',
  agreement: false,
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
  prefixes: 'hierarchy features over label prefixes (each member\'s and the memory\'s mass on the candidate\'s chapter/heading): auto (digit codes of one length: their 2-, 4-... character prefixes, at most two levels), none, or lengths such as 2,4',
  agreement: 'agreement features: every member ranks the candidate first; the memory\'s strongest label is the candidate',
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
  const agreement = raw['agreement'] ?? ENSEMBLE_DEFAULTS.agreement;
  if (typeof agreement !== 'boolean') throw bad('agreement', agreement, 'true or false');
  return {
    members, memory, agreement, prefixes: parsePrefixes(raw['prefixes'] ?? ENSEMBLE_DEFAULTS.prefixes),
    folds: num(raw, 'folds', 2, 20, true),
    topK: num(raw, 'topK', 1, 100, true),
    neighbours: num(raw, 'neighbours', 1, 1000, true),
    votePower: num(raw, 'votePower', 0, 16, false),
    memoryLabels: num(raw, 'memoryLabels', 0, 100, true),
    postingCap: num(raw, 'postingCap', 1, 1e9, true),
    l2: num(raw, 'l2', 0, 100, false),
  };
}

function parsePrefixes(raw: unknown): 'auto' | number[] {
  if (raw === 'auto') return 'auto';
  if (raw === 'none' || raw === '') return [];
  const parts = Array.isArray(raw) ? raw : typeof raw === 'number' ? [raw] : typeof raw === 'string' ? raw.split(',') : undefined;
  const lengths = parts?.map((v) => Number(typeof v === 'string' ? v.trim() : v));
  if (!lengths || lengths.length === 0 || lengths.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) throw bad('prefixes', raw, 'auto, none or a comma list of prefix lengths (1-64)');
  return [...new Set(lengths)].sort((a, b) => a - b);
}

/** The params as stored in the artifact (members and prefix lengths as comma lists; resolved prefixes, `none` for no level). */
export function paramsRecord(p: EnsembleParams): Record<string, number | string | boolean> {
  return { ...p, members: p.members.join(','), prefixes: p.prefixes === 'auto' ? 'auto' : p.prefixes.length === 0 ? 'none' : p.prefixes.join(',') };
}

/** The re-ranker layout of resolved params ('auto' resolves to no level: train resolves it first). */
export function layoutOf(p: EnsembleParams): { prefixes: readonly number[]; agreement: boolean } {
  return { prefixes: p.prefixes === 'auto' ? [] : p.prefixes, agreement: p.agreement };
}
