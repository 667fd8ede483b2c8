/**
 * The taxonomy an endpoint answers in, as plain data. serving/ does not import taxonomy/ (layers):
 * platform/ reads the taxonomy store and hands serving this, through a TaxonomyResolver.
 */
export interface ServingTaxonomy {
  /** The active taxonomy version, `hs2022@1`. */
  readonly ref: string;
  /** The official description of every code of the active taxonomy. */
  readonly descriptions: ReadonlyMap<string, string>;
  /**
   * The transition table in force (a model still speaking the old taxonomy): its id and, per old
   * code, the new code(s) it becomes (several: a split). Absent: model labels are taken as codes.
   */
  readonly remap?: { readonly id: string; readonly targets: ReadonlyMap<string, readonly string[]> } | undefined;
}

/** What an endpoint names: the taxonomy (`NAME[@V]`) and/or a correlation table (`OLD->NEW` or its id). */
export interface TaxonomyChoice {
  readonly taxonomy?: string | undefined;
  readonly remap?: string | undefined;
}

/** Reads a choice from the stores; rejects (NotFoundError / InputError naming it) when a part of it is unknown. */
export type TaxonomyResolver = (choice: TaxonomyChoice) => Promise<ServingTaxonomy>;

/** Classes of a model searched, best first, for one whose code the active taxonomy has. */
export const TAXONOMY_SEARCH_K = 10;

/**
 * One model's labels compiled against one active taxonomy, once per deployment apply: per class id,
 * the index of the code it answers as (`target`), NOT_IN_TAXONOMY, or SPLIT (a person picks among
 * `splits.get(class)`). Answering a batch is then array reads, no string work.
 */
export interface ClassMapping {
  readonly taxonomy: string;
  readonly remap: string | undefined;
  /** The codes the model can answer (indexes of `target`), their descriptions, and both as JSON literals. */
  readonly codes: readonly string[];
  readonly descriptions: readonly string[];
  readonly quotedCodes: readonly string[];
  readonly quotedDescriptions: readonly string[];
  readonly target: Int32Array;
  /** Per split class: the code indexes of its candidates. */
  readonly splits: ReadonlyMap<number, Int32Array>;
  /**
   * Per class the taxonomy lacks: the code indexes of its nearest codes (nearestCodes), what a
   * person is offered when none of a text's best classes is a code of the taxonomy.
   */
  readonly nearest: ReadonlyMap<number, Int32Array>;
  /** Every class answers as its own label: no search past the classes the caller asked for. */
  readonly identity: boolean;
}

/**
 * The model class each answered code came from, where only one class answers as that code (a
 * class kept or renamed one to one). A code two classes merge into, or a split's candidate, is
 * left out: a delayed label for it cannot say which class was right or wrong.
 */
export function classOfAnsweredCode(mapping: ClassMapping): Map<string, number> {
  const classesOf = new Map<number, number[]>();
  mapping.target.forEach((code, c) => { if (code >= 0) classesOf.set(code, [...(classesOf.get(code) ?? []), c]); });
  const out = new Map<string, number>();
  for (const [code, classes] of classesOf) if (classes.length === 1) out.set(mapping.codes[code]!, classes[0]!);
  return out;
}

export const NOT_IN_TAXONOMY = -1;
export const SPLIT = -2;

/**
 * A model whose labels are all codes of the active taxonomy speaks it already (retrained on it):
 * its answers skip the transition table, so promoting it ends the transition on that variant
 * (a canary of it beside the old model is remapped only on the old side).
 */
export function compileClassMapping(labels: readonly string[], tax: ServingTaxonomy): ClassMapping {
  const remap = labels.every((l) => tax.descriptions.has(l)) ? undefined : tax.remap;
  const codes: string[] = [];
  const index = new Map<string, number>();
  const codeIndex = (code: string): number => {
    let i = index.get(code);
    if (i === undefined) { i = codes.push(code) - 1; index.set(code, i); }
    return i;
  };
  const target = new Int32Array(labels.length);
  const splits = new Map<number, Int32Array>();
  let identity = true;
  labels.forEach((label, c) => {
    const mapped = (remap?.targets.get(label) ?? [label]).filter((code) => tax.descriptions.has(code));
    if (mapped.length > 1) {
      target[c] = SPLIT;
      splits.set(c, Int32Array.from(mapped, codeIndex));
    } else {
      target[c] = mapped.length === 0 ? NOT_IN_TAXONOMY : codeIndex(mapped[0]!);
    }
    if (mapped.length !== 1 || mapped[0] !== label) identity = false;
  });
  const nearest = new Map<number, Int32Array>();
  const missing = [...target.keys()].filter((c) => target[c] === NOT_IN_TAXONOMY);
  if (missing.length > 0) {
    const all = [...tax.descriptions.keys()].sort();
    for (const c of missing) {
      const near = nearestCodes(labels[c]!, all);
      if (near.length > 0) nearest.set(c, Int32Array.from(near, codeIndex));
    }
  }
  const descriptions = codes.map((code) => tax.descriptions.get(code)!);
  return {
    taxonomy: tax.ref, remap: remap?.id, codes, descriptions, target, splits, nearest, identity,
    quotedCodes: codes.map((c) => JSON.stringify(c)), quotedDescriptions: descriptions.map((d) => JSON.stringify(d)),
  };
}

/** A code shares at least this many leading characters with a label to be offered for it (an HS chapter). */
export const MIN_SHARED_PREFIX = 2;
/** Nearest codes kept per class the taxonomy lacks. */
export const NEAREST_PER_CLASS = 10;

/**
 * The codes of `sortedCodes` sharing the longest leading part with `label` (at least
 * MIN_SHARED_PREFIX characters), in code order, at most NEAREST_PER_CLASS: for an HS code the
 * taxonomy lacks, the codes of its subheading group, else its heading (HS4), else its chapter (HS2).
 */
export function nearestCodes(label: string, sortedCodes: readonly string[]): string[] {
  let best = MIN_SHARED_PREFIX - 1;
  let out: string[] = [];
  for (const code of sortedCodes) {
    let p = 0;
    const max = Math.min(code.length, label.length);
    while (p < max && code.charCodeAt(p) === label.charCodeAt(p)) p++;
    if (p < best || code === label) continue;
    if (p > best) { best = p; out = []; }
    if (out.length < NEAREST_PER_CLASS) out.push(code);
  }
  return best >= MIN_SHARED_PREFIX ? out : [];
}
