import type { ReferenceProfile } from '../profile/reference-profile.js';
import { NUMERIC_DESCRIPTORS, type NumericDescriptor } from '../profile/text-descriptors.js';
import { tokenBucket } from '../profile/token-buckets.js';
import type { PredictionColumns } from '../store/prediction-columns.js';
import type { DomainRows } from './domain-classifier.js';
import { domainSampleSeed } from './domain-classifier.js';
import { DRIFT_DEFAULTS, type DriftDefaults } from './drift-defaults.js';
import { descriptorScale, type DriftSide } from './drift-side.js';
import { HashSet32 } from './hash-set-32.js';
import { ReservoirSampler } from './reservoir-sample.js';
import { ValueCounts } from './value-counts.js';
import type { DriftWindow } from './drift-window.js';

/** The columns of a logged-prediction page the drift detectors read. */
export type DriftColumns = Pick<PredictionColumns, 'length' | 'chars' | 'digits' | 'upper' | 'nonAscii' | 'tokenHashes' | 'tokenStart' | 'label' | 'score' | 'text'>;

/** A window held in memory as the column pages of `pageSize` rows scanPredictionColumns would yield (tests, benches). */
export function driftColumnPages(w: DriftWindow, pageSize: number): DriftColumns[] {
  const pages: DriftColumns[] = [];
  for (let at = 0; at < w.stats.length; at += pageSize) {
    const stats = w.stats.slice(at, at + pageSize);
    const tokenStart = new Uint32Array(stats.length + 1);
    stats.forEach((s, i) => { tokenStart[i + 1] = tokenStart[i]! + s.tokenHashes.length; });
    const tokenHashes = new Uint32Array(tokenStart[stats.length]!);
    stats.forEach((s, i) => tokenHashes.set(s.tokenHashes, tokenStart[i]!));
    pages.push({
      length: stats.length, tokenHashes, tokenStart,
      chars: Int32Array.from(stats, (s) => s.chars), digits: Int32Array.from(stats, (s) => s.digits),
      upper: Int32Array.from(stats, (s) => s.upper), nonAscii: Int32Array.from(stats, (s) => s.nonAscii),
      label: w.labels.slice(at, at + pageSize), score: Float64Array.from(w.scores.subarray(at, at + pageSize)), text: w.texts.slice(at, at + pageSize),
    });
  }
  return pages;
}

/**
 * A window of production reduced, while it is read, to what the drift report needs of it: the
 * current side of every distance test (each numeric descriptor as distinct values with counts,
 * predicted-label counts, token-bucket counts) and the domain classifier's sample of rows
 * (DRIFT_DEFAULTS.domainMaxRowsPerSide). runDriftReportOnSummary gives the same report as
 * runDriftReport on the same rows held in memory (a test compares them).
 */
export interface DriftSummary {
  readonly rows: number;
  readonly side: DriftSide;
  /** The sampled rows, in the order they were read. */
  readonly domainRows: DomainRows;
  /** The settings the summary was built with: the report must read it with the same. */
  readonly settings: DriftDefaults;
}

/**
 * Builds a DriftSummary page by page, so a window of a million logged predictions costs the
 * distinct values of six descriptors, a few hundred label counts, 256 bucket counts and 5,000
 * sampled rows, instead of a million objects. Rows must be added in the window's order (oldest
 * first, as the log is scanned): the label order and the sample depend on it.
 */
export class DriftAccumulator {
  readonly settings: DriftDefaults;
  private readonly vocabulary: HashSet32;
  private readonly lengthCap: number;
  private readonly numeric: Record<NumericDescriptor, ValueCounts>;
  /** Index of each label into labelTally, in order of first appearance (the order runDriftReport counts them in). */
  private readonly labelIndex = new Map<string, number>();
  private labelTally = new Float64Array(64);
  private readonly bucketCounts: Float64Array;
  private readonly sampler: ReservoirSampler;
  private readonly sampleHashes: Uint32Array[] = [];
  private readonly sampleTexts: (string | null)[] = [];
  private readonly sampleRows: number[] = [];
  private seen = 0;

  constructor(profile: ReferenceProfile, settings: Partial<DriftDefaults> = {}) {
    this.settings = { ...DRIFT_DEFAULTS, ...settings };
    this.vocabulary = vocabularySet(profile);
    // Only length is capped (drift-side.ts says why); the other descriptors' caps are Infinity.
    this.lengthCap = descriptorScale(profile).cap.length;
    this.numeric = Object.fromEntries(NUMERIC_DESCRIPTORS.map((d) => [d, new ValueCounts()])) as Record<NumericDescriptor, ValueCounts>;
    const bits = this.settings.jsTokenBucketBits;
    this.bucketCounts = new Float64Array(1 << bits);
    this.sampler = new ReservoirSampler(Math.floor(this.settings.domainMaxRowsPerSide), domainSampleSeed(this.settings));
  }

  get rows(): number {
    return this.seen;
  }

  /** Adds rows of a page: all of them, or those listed in `rows` (ascending page indices). */
  addColumns(c: DriftColumns, rows?: ArrayLike<number>): void {
    const count = rows ? rows.length : c.length;
    const { length, topScore, oovRate, digitShare, upperShare, nonAsciiShare } = this.numeric;
    const hashes = c.tokenHashes;
    const vocabulary = this.vocabulary;
    const buckets = this.bucketCounts;
    const bits = this.settings.jsTokenBucketBits;
    for (let k = 0; k < count; k++) {
      const i = rows ? rows[k]! : k;
      // The same arithmetic as descriptorColumns (text-descriptors.ts), which the in-memory report uses.
      const chars = c.chars[i]!;
      const per = chars > 0 ? chars : 1;
      length.add(chars > this.lengthCap ? this.lengthCap : chars);
      // Scores are read as Float32, as the in-memory window holds them.
      topScore.add(Math.fround(c.score[i]!));
      digitShare.add(c.digits[i]! / per);
      upperShare.add(c.upper[i]! / per);
      nonAsciiShare.add(c.nonAscii[i]! / per);
      const start = c.tokenStart[i]!;
      const end = c.tokenStart[i + 1]!;
      let missing = 0;
      for (let h = start; h < end; h++) {
        const hash = hashes[h]!;
        if (!vocabulary.has(hash)) missing++;
        buckets[tokenBucket(hash, bits)]!++;
      }
      oovRate.add(end > start ? missing / (end - start) : 0);
      const label = c.label[i]!;
      let li = this.labelIndex.get(label);
      if (li === undefined) li = this.newLabel(label);
      this.labelTally[li]!++;
      const slot = this.sampler.offer();
      if (slot >= 0) {
        this.sampleHashes[slot] = hashes.slice(start, end);
        this.sampleTexts[slot] = c.text[i] ?? null;
        this.sampleRows[slot] = this.seen;
      }
      this.seen++;
    }
  }

  private newLabel(label: string): number {
    const li = this.labelIndex.size;
    this.labelIndex.set(label, li);
    if (li === this.labelTally.length) {
      const grown = new Float64Array(li * 2);
      grown.set(this.labelTally);
      this.labelTally = grown;
    }
    return li;
  }

  summary(): DriftSummary {
    const numeric = {} as Record<NumericDescriptor, Float64Array>;
    const numericCounts = {} as Record<NumericDescriptor, Float64Array>;
    for (const d of NUMERIC_DESCRIPTORS) {
      const s = this.numeric[d].sorted();
      numeric[d] = s.values.slice();
      numericCounts[d] = s.counts.slice();
    }
    const order = Int32Array.from(this.sampleRows.keys()).sort((a, b) => this.sampleRows[a]! - this.sampleRows[b]!);
    return {
      rows: this.seen,
      side: {
        rows: this.seen, numeric, numericCounts, bucketCounts: Float64Array.from(this.bucketCounts),
        labelCounts: new Map([...this.labelIndex].map(([label, li]) => [label, this.labelTally[li]!])),
      },
      domainRows: { hashes: Array.from(order, (s) => this.sampleHashes[s]!), texts: Array.from(order, (s) => this.sampleTexts[s]!) },
      settings: this.settings,
    };
  }
}

const vocabularies = new WeakMap<ReferenceProfile, HashSet32>();

/** The profile's vocabulary as a hash set (once per profile): every token of the window is looked up in it. */
function vocabularySet(profile: ReferenceProfile): HashSet32 {
  let set = vocabularies.get(profile);
  if (!set) { set = new HashSet32(profile.vocabulary); vocabularies.set(profile, set); }
  return set;
}
