import { FEATURE_MARK } from '../../text/feature-tokens.js';
import { fmix32, NgramHasher, type NgramSettings } from '../../text/ngram-hasher.js';

/** Seeds a feature token's hash apart from the n-gram families (NgramHasher's seeds). */
const SEED_FEATURE = 0x27d4eb2f;

/**
 * Text -> hash-bucket ids of its word and character n-grams, into reused buffers (they only grow
 * when a text is longer than any seen before), so training and prediction featurise identically.
 *
 * With `splitFeatures`, entity-feature tokens (after FEATURE_MARK, encoding tokens-v2) are not
 * words of the text: each is one id of its own, after the n-grams (`featureCount` of them), with
 * no character n-grams and no bigram with the text's last word (feature-logits.ts says why).
 */
export class BucketFeaturiser {
  readonly hasher: NgramHasher;
  readonly buckets: number;
  private words = new Uint32Array(256);
  private chars = new Uint32Array(1024);
  private readonly counts = new Int32Array(2);
  /** Bucket ids of the last text, words first; valid up to the count featurise() returned. */
  ids = new Uint32Array(1280);
  /** How many of the last text's ids are word n-grams (they come first; character n-grams follow). */
  wordCount = 0;
  /** How many of the last text's ids are entity-feature tokens (they come last, from textIdCount). */
  featureCount = 0;
  /** How many of the last text's ids are its word and character n-grams. */
  textIdCount = 0;
  private readonly splitFeatures: boolean;

  constructor(settings: NgramSettings, buckets: number, splitFeatures = false) {
    this.splitFeatures = splitFeatures;
    // charMin means nothing without character n-grams; NgramHasher wants it within range then.
    this.hasher = new NgramHasher(settings.charMax === 0 ? { ...settings, charMin: 1 } : settings);
    this.buckets = buckets;
  }

  /** Featurises `text` into `ids`; returns how many ids were written. */
  featurise(input: string): number {
    const mark = this.splitFeatures ? input.indexOf(FEATURE_MARK) : -1;
    const text = mark < 0 ? input : input.slice(0, mark);
    const need = this.hasher.maxFeatures(input.length);
    if (need > this.chars.length) {
      this.words = new Uint32Array(need);
      this.chars = new Uint32Array(need);
      this.ids = new Uint32Array(2 * need);
    }
    this.hasher.hash(text, this.words, this.settingsHaveChars() ? this.chars : null, this.counts);
    const nw = this.counts[0]!;
    const nc = this.settingsHaveChars() ? this.counts[1]! : 0;
    const b = this.buckets;
    const ids = this.ids;
    for (let i = 0; i < nw; i++) ids[i] = this.words[i]! % b;
    for (let i = 0; i < nc; i++) ids[nw + i] = this.chars[i]! % b;
    this.wordCount = nw;
    this.textIdCount = nw + nc;
    this.featureCount = mark < 0 ? 0 : this.featureIds(input, mark + 1, nw + nc);
    return nw + nc + this.featureCount;
  }

  /** Ids of the space-separated feature tokens of input[from..] written from ids[at]; returns how many. */
  private featureIds(input: string, from: number, at: number): number {
    let n = 0;
    let h = 0x811c9dc5;
    let inToken = false;
    for (let i = from; i <= input.length; i++) {
      const code = i < input.length ? input.charCodeAt(i) : 0x20;
      if (code === 0x20) {
        if (inToken) this.ids[at + n++] = fmix32(h ^ SEED_FEATURE) % this.buckets;
        h = 0x811c9dc5;
        inToken = false;
      } else {
        h = Math.imul(h ^ code, 0x01000193);
        inToken = true;
      }
    }
    return n;
  }

  /** Bucket of a raw feature id from NgramHasher.describe(). */
  bucketOf(featureId: number): number {
    return featureId % this.buckets;
  }

  private settingsHaveChars(): boolean {
    return this.hasher.settings.charMax > 0;
  }
}
