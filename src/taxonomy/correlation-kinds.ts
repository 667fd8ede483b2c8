import type { CorrelationPair } from './taxonomy.js';

/**
 * How an old code changes: `one-to-one` (renamed or kept), `many-to-one` (merged with other old
 * codes into one new code) — both mapped without a person — or `one-to-many` (split: which new code
 * a text belongs to needs a person, who picks among the candidates).
 */
export type ChangeKind = 'one-to-one' | 'many-to-one' | 'one-to-many';

export interface CodeChange {
  readonly oldCode: string;
  readonly kind: ChangeKind;
  /** The new code(s), in table order; one unless the kind is one-to-many. */
  readonly targets: readonly string[];
}

/** Every old code of a table with its kind of change. */
export function classifyCorrelation(pairs: readonly CorrelationPair[]): Map<string, CodeChange> {
  const targets = new Map<string, string[]>();
  for (const p of pairs) {
    const list = targets.get(p.oldCode) ?? [];
    if (!list.includes(p.newCode)) list.push(p.newCode);
    targets.set(p.oldCode, list);
  }
  // How many old codes end in each new code, counting only those that map to it alone: a merge.
  const sources = new Map<string, number>();
  for (const list of targets.values()) if (list.length === 1) sources.set(list[0]!, (sources.get(list[0]!) ?? 0) + 1);
  const out = new Map<string, CodeChange>();
  for (const [oldCode, list] of targets) {
    const kind: ChangeKind = list.length > 1 ? 'one-to-many' : (sources.get(list[0]!) ?? 0) > 1 ? 'many-to-one' : 'one-to-one';
    out.set(oldCode, { oldCode, kind, targets: list });
  }
  return out;
}
