import { InputError } from '../../core/errors.js';
import { normaliseText } from '../../text/normalise.js';
import { tokenSpans } from '../../text/tokenise.js';

/**
 * The declarative preprocessing of a token-id model: how a text becomes one row of ids for the
 * model's id input. Native deep models and imported ONNX models share it, so both are served the same way.
 */
export interface TokenizerSpec {
  /** The model input that takes the ids, e.g. "input_ids". */
  readonly inputName: string;
  readonly dtype: 'int64' | 'int32';
  /** Apply lading's normalisation (NFKC, lower case, folded spaces) before tokenising. */
  readonly lowercase: boolean;
  /** 'words': runs of letters and digits (as every lading featuriser); 'whitespace': split on spaces. */
  readonly tokenise: 'words' | 'whitespace';
  /** Ids beyond this many per text are dropped. */
  readonly maxLength: number;
  /** Every row is at least this long (e.g. the widest convolution); padded with padId. */
  readonly minLength: number;
  /** true: every batch is padded to maxLength (models with a fixed sequence dimension). */
  readonly fixedLength: boolean;
  readonly padding: 'right' | 'left';
  readonly padId: number;
  readonly unkId: number;
  /**
   * Out-of-vocabulary words fall back to their character n-grams of this length (word wrapped in
   * "<" ">", each looked up as "##" + gram); 0 = no fallback, the word becomes unkId.
   */
  readonly subwordN: number;
  /**
   * Bag mode when bagMaxN > 0 (lading's textcnn): a word is the mean of its row and the rows of its
   * character n-grams of lengths bagMinN..bagMaxN ("##" + gram, word wrapped in "<" ">"). A known
   * word's mean is folded into its row when the model is exported, so only an unknown word needs
   * its n-grams: it becomes bagId in the id input and its n-gram rows are fed through the extra
   * inputs BAG_INPUTS (ids [n], positions [n, 2] as (row, position), weights [n, 1]).
   */
  readonly bagMinN: number;
  readonly bagMaxN: number;
  readonly bagId: number;
  /** The model output to read and whether it holds logits (softmax applied here) or probabilities. */
  readonly outputName: string;
  readonly outputKind: 'logits' | 'probabilities';
}

export const SUBWORD_PREFIX = '##';

/**
 * Calls fn with each character n-gram of the word wrapped in "<" ">", of lengths minN..maxN
 * (n ascending, then position): the one definition of a subword for the vocabulary and the encoder.
 * fn returning false stops the walk.
 */
export function charGrams(word: string, minN: number, maxN: number, fn: (gram: string) => boolean | void): void {
  const wrapped = `<${word}>`;
  for (let k = minN; k <= maxN; k++) {
    for (let i = 0; i + k <= wrapped.length; i++) if (fn(wrapped.slice(i, i + k)) === false) return;
  }
}

/** The names of a bag model's extra inputs (see TokenizerSpec.bagMaxN). */
export const BAG_INPUTS = { ids: 'bag_ids', pos: 'bag_pos', weight: 'bag_weight' } as const;

/**
 * Where an encoder puts the n-gram rows of out-of-vocabulary words in bag mode, as flat triples:
 * the text's row (as the caller numbers it), the word's position in the text, the n-gram's row.
 * Entries of one row are contiguous and in position order.
 */
export class BagEntries {
  rows = new Int32Array(1024);
  positions = new Int32Array(1024);
  ids = new Int32Array(1024);
  count = 0;

  clear(): void {
    this.count = 0;
  }

  add(row: number, position: number, id: number): void {
    if (this.count === this.ids.length) {
      const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => { const b = new Int32Array(a.length * 2); b.set(a); return b; };
      this.rows = grow(this.rows);
      this.positions = grow(this.positions);
      this.ids = grow(this.ids);
    }
    this.rows[this.count] = row;
    this.positions[this.count] = position;
    this.ids[this.count++] = id;
  }
}

/** Receives the table rows of each position of a text in training order (see TokenEncoder.encodeSlots). */
export interface SlotSink {
  slot(id: number): void;
  endPosition(): void;
}

export class TokenEncoder {
  readonly spec: TokenizerSpec;
  readonly vocab: readonly string[];
  private readonly ids: Map<string, number>;
  private readonly starts = new Int32Array(1024);
  private readonly ends = new Int32Array(1024);

  constructor(spec: TokenizerSpec, vocab: readonly string[]) {
    this.spec = spec;
    this.vocab = vocab;
    this.ids = new Map();
    for (let i = 0; i < vocab.length; i++) if (!this.ids.has(vocab[i]!)) this.ids.set(vocab[i]!, i);
  }

  get bagMode(): boolean {
    return this.spec.bagMaxN > 0;
  }

  /**
   * Writes the ids of `text` into out[offset..offset + n) (at most maxLength); returns n. In bag
   * mode an out-of-vocabulary word with known n-grams becomes bagId, and its n-gram rows go to
   * `bag` (tagged with `row`); without a bag collector such words become unkId.
   */
  encode(text: string, out: Int32Array, offset: number, bag?: BagEntries, row = 0): number {
    const s = this.spec;
    const cap = s.maxLength;
    let n = 0;
    const push = (id: number): boolean => {
      if (n >= cap) return false;
      out[offset + n++] = id;
      return true;
    };
    this.forEachWord(text, (w) => {
      const id = this.ids.get(w);
      if (id !== undefined) return push(id);
      if (s.bagMaxN > 0) {
        if (n >= cap) return false;
        let found = false;
        if (bag) {
          this.forEachGram(w, (g) => { bag.add(row, n, g); found = true; });
        }
        return push(found ? s.bagId : s.unkId);
      }
      if (s.subwordN > 0) {
        let found = false;
        let full = false;
        charGrams(w, s.subwordN, s.subwordN, (gram) => {
          const g = this.ids.get(SUBWORD_PREFIX + gram);
          if (g === undefined) return true;
          found = true;
          full = !push(g);
          return !full;
        });
        if (full) return false;
        if (found) return true;
      }
      return push(s.unkId);
    });
    return n;
  }

  /**
   * Bag mode, as training sees a text: each word (up to maxLength) is the mean of its rows, which
   * are its own row when the word is known plus the rows of its known character n-grams, or <unk>
   * when it has none. Returns the number of positions. At inference a known word's mean is folded
   * into its row of the exported table, so only unknown words need their n-grams (encode).
   */
  encodeSlots(text: string, sink: SlotSink): number {
    let n = 0;
    const cap = this.spec.maxLength;
    this.forEachWord(text, (w) => {
      if (n >= cap) return false;
      let any = false;
      const id = this.ids.get(w);
      if (id !== undefined) { sink.slot(id); any = true; }
      this.forEachGram(w, (g) => { sink.slot(g); any = true; });
      if (!any) sink.slot(this.spec.unkId);
      sink.endPosition();
      n++;
      return true;
    });
    return n;
  }

  /** The known n-gram rows of a word in bag mode, in order (n ascending, then position). */
  forEachGram(word: string, fn: (id: number) => void): void {
    charGrams(word, this.spec.bagMinN, this.spec.bagMaxN, (gram) => {
      const g = this.ids.get(SUBWORD_PREFIX + gram);
      if (g !== undefined) fn(g);
    });
  }

  private forEachWord(text: string, fn: (word: string) => boolean): void {
    const s = this.spec;
    const t = s.lowercase ? normaliseText(text) : text;
    if (s.tokenise === 'words') {
      const k = tokenSpans(t, this.starts, this.ends);
      for (let i = 0; i < k; i++) if (!fn(t.slice(this.starts[i], this.ends[i]))) break;
    } else {
      for (const w of t.split(/\s+/)) if (w !== '' && !fn(w)) break;
    }
  }

  /** The tokens of a text as the model sees them (for explanations); a bag position shows its word. */
  pieces(text: string): string[] {
    const out: string[] = [];
    const cap = this.spec.maxLength;
    const ids = new Int32Array(cap);
    if (this.bagMode || this.spec.subwordN === 0) {
      this.forEachWord(text, (w) => {
        if (out.length >= cap) return false;
        out.push(this.ids.has(w) || this.bagMode ? w : this.vocab[this.spec.unkId] ?? w);
        return true;
      });
      return out;
    }
    const n = this.encode(text, ids, 0);
    return Array.from(ids.subarray(0, n), (id) => this.vocab[id] ?? `#${id}`);
  }
}

/**
 * Encodes a batch into one row-major [rows, width] id matrix (padded with padId), where width is
 * maxLength for fixed-length models and otherwise the longest row (at least minLength). In bag
 * mode the n-gram rows of unknown words go to `bag` (row = index in the batch).
 */
export function encodeBatch(encoder: TokenEncoder, texts: readonly string[], scratch: Int32Array, bag?: BagEntries): { ids: Int32Array; width: number } {
  const s = encoder.spec;
  const rows = texts.length;
  const lengths = new Int32Array(rows);
  const need = rows * s.maxLength;
  const flat = scratch.length >= need ? scratch : new Int32Array(need);
  let longest = s.minLength;
  bag?.clear();
  for (let r = 0; r < rows; r++) {
    const n = encoder.encode(texts[r]!, flat, r * s.maxLength, bag, r);
    lengths[r] = n;
    if (n > longest) longest = n;
  }
  const width = s.fixedLength ? Math.max(s.maxLength, s.minLength) : Math.min(Math.max(longest, s.minLength), Math.max(s.maxLength, s.minLength));
  const ids = new Int32Array(rows * width).fill(s.padId);
  for (let r = 0; r < rows; r++) {
    const n = lengths[r]!;
    const at = r * width + (s.padding === 'left' ? width - n : 0);
    ids.set(flat.subarray(r * s.maxLength, r * s.maxLength + n), at);
  }
  return { ids, width };
}

const SPEC_KEYS: ReadonlyArray<keyof TokenizerSpec> = [
  'inputName', 'dtype', 'lowercase', 'tokenise', 'maxLength', 'minLength', 'fixedLength', 'padding', 'padId', 'unkId', 'subwordN', 'bagMinN', 'bagMaxN', 'bagId', 'outputName', 'outputKind',
];

/** Validates a spec read from JSON (a file or an artifact); `where` names its source in errors. */
export function parseTokenizerSpec(raw: unknown, where: string): TokenizerSpec {
  const bad = (field: string, want: string, got: unknown): never => {
    throw new InputError('bad-tokenizer-spec', `${where}: field "${field}" must be ${want}; got ${JSON.stringify(got)}`, { file: where, field },
      'A tokenizer spec is JSON: {"inputName","dtype":"int64"|"int32","vocab","lowercase","maxLength","padding","padId","unkId","outputName","outputKind"}.');
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('(root)', 'a JSON object', raw);
  const o = raw as Record<string, unknown>;
  const str = (k: string, dflt?: string): string => {
    const v = o[k] ?? dflt;
    return typeof v === 'string' && v !== '' ? v : bad(k, 'a non-empty string', v);
  };
  const oneOf = <T extends string>(k: string, options: readonly T[], dflt: T): T => {
    const v = o[k] ?? dflt;
    return options.includes(v as T) ? (v as T) : bad(k, `one of ${options.join(', ')}`, v);
  };
  const int = (k: string, min: number, dflt?: number): number => {
    const v = o[k] ?? dflt;
    return typeof v === 'number' && Number.isInteger(v) && v >= min ? v : bad(k, `an integer >= ${min}`, v);
  };
  const bool = (k: string, dflt: boolean): boolean => {
    const v = o[k] ?? dflt;
    return typeof v === 'boolean' ? v : bad(k, 'true or false', v);
  };
  const maxLength = int('maxLength', 1);
  const spec: TokenizerSpec = {
    inputName: str('inputName'),
    dtype: oneOf('dtype', ['int64', 'int32'] as const, 'int64'),
    lowercase: bool('lowercase', true),
    tokenise: oneOf('tokenise', ['words', 'whitespace'] as const, 'words'),
    maxLength,
    minLength: int('minLength', 1, 1),
    fixedLength: bool('fixedLength', false),
    padding: oneOf('padding', ['right', 'left'] as const, 'right'),
    padId: int('padId', 0, 0),
    unkId: int('unkId', 0, 1),
    subwordN: int('subwordN', 0, 0),
    bagMinN: int('bagMinN', 0, 0),
    bagMaxN: int('bagMaxN', 0, 0),
    bagId: int('bagId', 0, 2),
    outputName: str('outputName'),
    outputKind: oneOf('outputKind', ['logits', 'probabilities'] as const, 'logits'),
  };
  if (spec.minLength > maxLength) bad('minLength', `at most maxLength (${maxLength})`, spec.minLength);
  if (spec.bagMaxN > 0 && (spec.bagMinN < 1 || spec.bagMinN > spec.bagMaxN)) bad('bagMinN', `between 1 and bagMaxN (${spec.bagMaxN})`, spec.bagMinN);
  if (spec.bagMaxN > 0 && spec.padding !== 'right') bad('padding', '"right" in bag mode', spec.padding);
  return spec;
}

export function specToJson(spec: TokenizerSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of SPEC_KEYS) out[k] = spec[k];
  return out;
}
