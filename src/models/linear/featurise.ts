import { FEATURE_MARK } from '../../text/feature-tokens.js';
import { NgramHasher, type NgramSettings } from '../../text/ngram-hasher.js';
import { IdTable } from './id-table.js';

/**
 * TF-IDF over hashed word n-grams and char_wb n-grams, as a scikit-learn FeatureUnion of two
 * TfidfVectorizers (sublinear tf, smooth idf, each block l2-normalised on its own). Columns: the
 * word block first, then the char block, each ordered by document frequency (then id) so the
 * same training data always gives the same columns.
 */
export interface LinearVocabulary {
  /** Word n-gram ids, most frequent first; column = index. */
  readonly wordIds: Uint32Array;
  readonly wordIdf: Float32Array;
  /** Char n-gram ids, most frequent first; column = wordIds.length + index. */
  readonly charIds: Uint32Array;
  readonly charIdf: Float32Array;
  /**
   * Entity-feature tokens (tokens-v2: after FEATURE_MARK), most frequent first; column =
   * wordIds.length + charIds.length + index. Present when the training texts carried features:
   * then each token is one column of a third block, as a third vectorizer of the union would make
   * it, and the text before the mark alone makes the word and char blocks. As more words of the
   * text (tokens-v1) a value's hash was cut into char n-grams and bigrams with the text's last
   * word, and weighed against the text's dozens of n-grams in one norm (bench/features-gain.ts:
   * no point-in-time gain for linear). Absent: a model without features, whose texts are read whole.
   */
  readonly featureIds?: Uint32Array | undefined;
  readonly featureIdf?: Float32Array | undefined;
}

/** The column count of a vocabulary: word block, char block, feature block. */
export function vocabularyColumns(v: LinearVocabulary): number {
  return v.wordIds.length + v.charIds.length + (v.featureIds?.length ?? 0);
}

/** A feature token's id (FNV-1a of its characters). */
function featureTokenId(text: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Calls each(id, start, end) for each space-separated token text[start, end) of text[from..): the feature part after the mark. */
function forEachFeatureToken(text: string, from: number, each: (id: number, start: number, end: number) => void): void {
  let start = -1;
  for (let i = from; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x20;
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) {
      if (start >= 0) each(featureTokenId(text, start, i), start, i);
      start = -1;
    } else if (start < 0) start = i;
  }
}

export interface VocabularyOptions {
  readonly minDfWord: number;
  readonly minDfChar: number;
  /** Checked between documents so a long pass can be stopped. */
  readonly signal?: AbortSignal | undefined;
}

/** Counts document frequencies over the training texts and keeps the n-grams frequent enough. */
export function buildVocabulary(texts: readonly string[], hasher: NgramHasher, o: VocabularyOptions): LinearVocabulary {
  const wordDf = new IdTable(1 << 16);
  const charDf = new IdTable(1 << 18);
  let words = new Uint32Array(1024);
  let chars = new Uint32Array(4096);
  const counts = new Int32Array(2);
  let featureDf: IdTable | undefined;
  const docFeatures: number[] = [];
  for (let d = 0; d < texts.length; d++) {
    if ((d & 1023) === 0 && o.signal?.aborted) break;
    let text = texts[d]!;
    const mark = text.indexOf(FEATURE_MARK);
    if (mark >= 0) {
      featureDf ??= new IdTable(1 << 12);
      docFeatures.length = 0;
      forEachFeatureToken(text, mark + 1, (id) => { if (!docFeatures.includes(id)) docFeatures.push(id); });
      for (const id of docFeatures) featureDf.add(id, 1);
      text = text.slice(0, mark);
    }
    const need = hasher.maxFeatures(text.length);
    if (need > words.length) words = new Uint32Array(need);
    if (need > chars.length) chars = new Uint32Array(need);
    hasher.hash(text, words, chars, counts);
    countDistinct(words.subarray(0, counts[0]), wordDf);
    countDistinct(chars.subarray(0, counts[1]), charDf);
  }
  const n = texts.length;
  const [wordIds, wordIdf] = keepFrequent(wordDf, o.minDfWord, n);
  const [charIds, charIdf] = keepFrequent(charDf, o.minDfChar, n);
  if (featureDf === undefined) return { wordIds, wordIdf, charIds, charIdf };
  // Every value seen once counts: a rare importer's value is still what it is.
  const [featureIds, featureIdf] = keepFrequent(featureDf, 1, n);
  return { wordIds, wordIdf, charIds, charIdf, featureIds, featureIdf };
}

/** Adds 1 to the document frequency of each distinct id of one document (sorts ids in place). */
function countDistinct(ids: Uint32Array, df: IdTable): void {
  ids.sort();
  for (let i = 0; i < ids.length; i++) {
    if (i > 0 && ids[i] === ids[i - 1]) continue;
    df.add(ids[i]!, 1);
  }
}

/**
 * The ids with df >= minDf, most frequent first (ties by id), and their idf. Frequent features get
 * the low columns so the weights the solver touches most share a few cache lines.
 */
function keepFrequent(df: IdTable, minDf: number, docs: number): [Uint32Array, Float32Array] {
  let kept = 0;
  df.forEach((_, f) => { if (f >= minDf) kept++; });
  // One sortable float64 per feature: (docs - df) * 2^32 + id orders by df descending, then id.
  const keys = new Float64Array(kept);
  let k = 0;
  df.forEach((id, f) => { if (f >= minDf) keys[k++] = (docs - f) * 4294967296 + id; });
  keys.sort();
  const ids = new Uint32Array(kept);
  const idf = new Float32Array(kept);
  for (let i = 0; i < kept; i++) {
    const key = keys[i]!;
    const id = key % 4294967296;
    const f = docs - (key - id) / 4294967296;
    ids[i] = id;
    idf[i] = Math.log((1 + docs) / (1 + f)) + 1;
  }
  return [ids, idf];
}

/**
 * Turns one text into its sparse TF-IDF row. One instance per thread: it owns scratch buffers,
 * and the row it returns lives in `cols`/`vals` until the next call.
 */
export class LinearFeaturiser {
  readonly hasher: NgramHasher;
  readonly vocabulary: LinearVocabulary;
  readonly wordColumns: number;
  readonly columns: number;
  /** Column indices of the last row: word block first, then char block (each in first-seen order). */
  cols: Int32Array;
  /** TF-IDF values of the last row. */
  vals: Float32Array;
  /** Where the char block starts in cols/vals for the last row. */
  charStart = 0;
  private readonly wordTable: IdTable;
  private readonly charTable: IdTable;
  /** Feature token id to column; undefined when the vocabulary has no feature block (the text is read whole). */
  private readonly featureTable: IdTable | undefined;
  /** idf per column, both blocks. */
  private readonly idf: Float32Array;
  private readonly tf: Int32Array;
  private words: Uint32Array;
  private chars: Uint32Array;
  private readonly counts = new Int32Array(2);

  constructor(settings: NgramSettings, vocabulary: LinearVocabulary) {
    this.hasher = new NgramHasher(settings);
    this.vocabulary = vocabulary;
    const { wordIds, charIds } = vocabulary;
    this.wordColumns = wordIds.length;
    this.columns = vocabularyColumns(vocabulary);
    this.wordTable = new IdTable(wordIds.length);
    for (let i = 0; i < wordIds.length; i++) this.wordTable.set(wordIds[i]!, i);
    this.charTable = new IdTable(charIds.length);
    for (let i = 0; i < charIds.length; i++) this.charTable.set(charIds[i]!, wordIds.length + i);
    const featureIds = vocabulary.featureIds;
    if (featureIds !== undefined) {
      this.featureTable = new IdTable(Math.max(1, featureIds.length));
      for (let i = 0; i < featureIds.length; i++) this.featureTable.set(featureIds[i]!, wordIds.length + charIds.length + i);
    }
    this.idf = new Float32Array(this.columns);
    this.idf.set(vocabulary.wordIdf, 0);
    this.idf.set(vocabulary.charIdf, wordIds.length);
    if (vocabulary.featureIdf !== undefined) this.idf.set(vocabulary.featureIdf, wordIds.length + charIds.length);
    this.tf = new Int32Array(this.columns);
    this.words = new Uint32Array(1024);
    this.chars = new Uint32Array(4096);
    this.cols = new Int32Array(this.words.length + this.chars.length);
    this.vals = new Float32Array(this.cols.length);
  }

  /** The column of a word (family 'word') or char n-gram id, or -1 when not in the vocabulary. */
  columnOf(id: number, family: 'word' | 'char'): number {
    return family === 'word' ? this.wordTable.get(id) : this.charTable.get(id);
  }

  /** Where the text ends and its feature tokens start (the mark), or -1: no feature block, or none in this text. */
  featureMark(text: string): number {
    return this.featureTable === undefined ? -1 : text.indexOf(FEATURE_MARK);
  }

  /** The feature-block columns of the tokens after `mark` (each once), with the tokens themselves, for explanations. */
  featureColumns(text: string, mark: number): Array<{ column: number; token: string }> {
    const out: Array<{ column: number; token: string }> = [];
    const table = this.featureTable;
    if (table === undefined || mark < 0) return out;
    // The tokens as vectorise reads them (one tokenizer for both, so an explanation names what scored).
    forEachFeatureToken(text, mark + 1, (id, start, end) => {
      const column = table.get(id);
      if (column >= 0 && !out.some((o) => o.column === column)) out.push({ column, token: text.slice(start, end) });
    });
    return out;
  }

  /**
   * Featurises text into cols/vals; returns the number of non-zero columns. sortColumns orders
   * each block by column (for the training matrix, where the solver then walks w in memory
   * order); scoring does not need it.
   */
  vectorise(input: string, sortColumns = false): number {
    const mark = this.featureMark(input);
    const text = mark < 0 ? input : input.slice(0, mark);
    const need = this.hasher.maxFeatures(input.length);
    if (need > this.words.length || need > this.chars.length) {
      const size = Math.max(need, this.chars.length);
      this.words = new Uint32Array(size);
      this.chars = new Uint32Array(size);
      this.cols = new Int32Array(2 * size);
      this.vals = new Float32Array(2 * size);
    }
    const { words, chars, counts, cols, tf } = this;
    this.hasher.hash(text, words, chars, counts);
    let n = 0;
    const nw = counts[0]!;
    const wordTable = this.wordTable;
    for (let i = 0; i < nw; i++) {
      const c = wordTable.get(words[i]!);
      if (c < 0) continue;
      if (tf[c] === 0) cols[n++] = c;
      tf[c] = tf[c]! + 1;
    }
    const charStart = n;
    const nc = counts[1]!;
    const charTable = this.charTable;
    for (let i = 0; i < nc; i++) {
      const c = charTable.get(chars[i]!);
      if (c < 0) continue;
      if (tf[c] === 0) cols[n++] = c;
      tf[c] = tf[c]! + 1;
    }
    const featureStart = n;
    if (mark >= 0) {
      const featureTable = this.featureTable!;
      forEachFeatureToken(input, mark + 1, (id) => {
        const c = featureTable.get(id);
        if (c < 0) return;
        if (tf[c] === 0) cols[n++] = c;
        tf[c] = tf[c]! + 1;
      });
    }
    if (sortColumns) {
      sortAscending(cols, 0, charStart);
      sortAscending(cols, charStart, featureStart);
      sortAscending(cols, featureStart, n);
    }
    this.charStart = charStart;
    this.weighBlock(0, charStart);
    this.weighBlock(charStart, featureStart);
    this.weighBlock(featureStart, n);
    return n;
  }

  /** Sublinear tf × idf, l2-normalised over [from, to); resets the tf scratch. */
  private weighBlock(from: number, to: number): void {
    const { cols, vals, tf, idf } = this;
    let sum = 0;
    for (let k = from; k < to; k++) {
      const c = cols[k]!;
      const v = (1 + Math.log(tf[c]!)) * idf[c]!;
      tf[c] = 0;
      vals[k] = v;
      sum += v * v;
    }
    if (sum > 0) {
      const scale = 1 / Math.sqrt(sum);
      for (let k = from; k < to; k++) vals[k] = vals[k]! * scale;
    }
  }
}

/** Insertion sort of a[from..to): rows are short (tens of columns), where this beats Array.prototype.sort. */
function sortAscending(a: Int32Array, from: number, to: number): void {
  for (let i = from + 1; i < to; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= from && a[j]! > v) { a[j + 1] = a[j]!; j--; }
    a[j + 1] = v;
  }
}
