import { NgramHasher, type NgramSettings } from '../../text/ngram-hasher.js';

/**
 * Text -> hash-bucket ids of its word and character n-grams, into reused buffers (they only grow
 * when a text is longer than any seen before), so training and prediction featurise identically.
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

  constructor(settings: NgramSettings, buckets: number) {
    // charMin means nothing without character n-grams; NgramHasher wants it within range then.
    this.hasher = new NgramHasher(settings.charMax === 0 ? { ...settings, charMin: 1 } : settings);
    this.buckets = buckets;
  }

  /** Featurises `text` into `ids`; returns how many ids were written. */
  featurise(text: string): number {
    const need = this.hasher.maxFeatures(text.length);
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
    return nw + nc;
  }

  /** Bucket of a raw feature id from NgramHasher.describe(). */
  bucketOf(featureId: number): number {
    return featureId % this.buckets;
  }

  private settingsHaveChars(): boolean {
    return this.hasher.settings.charMax > 0;
  }
}
