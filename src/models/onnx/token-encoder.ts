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
  /** The model output to read and whether it holds logits (softmax applied here) or probabilities. */
  readonly outputName: string;
  readonly outputKind: 'logits' | 'probabilities';
}

export const SUBWORD_PREFIX = '##';

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

  /** Writes the ids of `text` into out[offset..offset + n) (at most maxLength); returns n. */
  encode(text: string, out: Int32Array, offset: number): number {
    const s = this.spec;
    const t = s.lowercase ? normaliseText(text) : text;
    const cap = s.maxLength;
    let n = 0;
    const push = (id: number): boolean => {
      if (n >= cap) return false;
      out[offset + n++] = id;
      return true;
    };
    const word = (w: string): boolean => {
      const id = this.ids.get(w);
      if (id !== undefined) return push(id);
      if (s.subwordN > 0) {
        const wrapped = `<${w}>`;
        let found = false;
        for (let i = 0; i + s.subwordN <= wrapped.length; i++) {
          const g = this.ids.get(SUBWORD_PREFIX + wrapped.slice(i, i + s.subwordN));
          if (g !== undefined) { found = true; if (!push(g)) return false; }
        }
        if (found) return true;
      }
      return push(s.unkId);
    };
    if (s.tokenise === 'words') {
      const k = tokenSpans(t, this.starts, this.ends);
      for (let i = 0; i < k; i++) if (!word(t.slice(this.starts[i], this.ends[i]))) break;
    } else {
      for (const w of t.split(/\s+/)) if (w !== '' && !word(w)) break;
    }
    return n;
  }

  /** The tokens of a text as the model sees them (for explanations). */
  pieces(text: string): string[] {
    const ids = new Int32Array(this.spec.maxLength);
    const n = this.encode(text, ids, 0);
    return Array.from(ids.subarray(0, n), (id) => this.vocab[id] ?? `#${id}`);
  }
}

/**
 * Encodes a batch into one row-major [rows, width] id matrix (padded with padId), where width is
 * maxLength for fixed-length models and otherwise the longest row (at least minLength).
 */
export function encodeBatch(encoder: TokenEncoder, texts: readonly string[], scratch: Int32Array): { ids: Int32Array; width: number } {
  const s = encoder.spec;
  const rows = texts.length;
  const lengths = new Int32Array(rows);
  const need = rows * s.maxLength;
  const flat = scratch.length >= need ? scratch : new Int32Array(need);
  let longest = s.minLength;
  for (let r = 0; r < rows; r++) {
    const n = encoder.encode(texts[r]!, flat, r * s.maxLength);
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
  'inputName', 'dtype', 'lowercase', 'tokenise', 'maxLength', 'minLength', 'fixedLength', 'padding', 'padId', 'unkId', 'subwordN', 'outputName', 'outputKind',
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
    outputName: str('outputName'),
    outputKind: oneOf('outputKind', ['logits', 'probabilities'] as const, 'logits'),
  };
  if (spec.minLength > maxLength) bad('minLength', `at most maxLength (${maxLength})`, spec.minLength);
  return spec;
}

export function specToJson(spec: TokenizerSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of SPEC_KEYS) out[k] = spec[k];
  return out;
}
