/**
 * Every default and threshold of the drift detectors, each with its reason. Evidently's defaults
 * are the anchor (docs-old.evidentlyai.com/reference/data-drift-algorithm: above 1,000 reference
 * rows, distances rather than p-values, because p-value tests flag every tiny difference on large
 * data; numeric columns: Wasserstein distance normed by the reference's standard deviation;
 * categorical: Jensen-Shannon distance; both drift at 0.1; text: a domain classifier, drift at
 * ROC AUC > 0.55, and on small data above the 95th percentile of a random classifier's AUC).
 * Where lading departs from them, the reason is here.
 */
export const DRIFT_DEFAULTS = {
  /**
   * Evidently's threshold for both the normed Wasserstein and the Jensen-Shannon distance: a
   * shift of a tenth of a standard deviation (Wasserstein), or about 1% of divergence in nats
   * (Jensen-Shannon), is the smallest one worth a person's look.
   */
  distanceThreshold: 0.1,
  /**
   * Evidently floors the reference standard deviation at 0.001 so a constant column does not
   * divide by zero. lading's shares (digits, upper case, non-ASCII, OOV) are per-text fractions in
   * [0, 1] that are often nearly constant (no non-ASCII in HS lines); at 0.001 one odd text in
   * 1,000 reads as drift. 0.01 (one percentage point) is the smallest spread we treat as real.
   * Length is in characters and score in [0, 1]; the same floor is harmless for both.
   */
  minReferenceStd: 0.01,
  /**
   * Jensen-Shannon on tokens reads the profile's 4,096-bucket sketch folded to 2^8 = 256 buckets:
   * with 5,000 texts of ~6 tokens the sampling noise alone of 4,096 buckets is a distance near
   * 0.2 (E[JSD] ~ (k-1)/8 x (1/n + 1/N) nats), above the threshold on every window; at 256
   * buckets it is near 0.05, so 0.1 again means a real change.
   */
  jsTokenBucketBits: 8,
  /**
   * Categories (labels, buckets) whose expected count in the smaller of the two sides is below 5
   * are pooled into one "other" category (Cochran's rule for count tests): with 800 HS4 classes
   * and 1,000 predictions most classes hold 0-2 rows and their noise, not drift, would set the
   * distance. A shift into rare classes still shows as "other" growing.
   */
  minExpectedCount: 5,
  /**
   * Scipy's jensenshannon (which Evidently calls) uses the natural logarithm unless given a base,
   * so distances lie in [0, sqrt(ln 2) = 0.83]; 0.1 is meant on that scale.
   */
  jsLogBase: Math.E,
  /**
   * Noise floor: sampling alone moves a distance between two samples of the same texts. Each
   * distance test's threshold is max(distanceThreshold, a high quantile of the distance between a
   * bootstrap window and a bootstrap reference drawn from the reference sample at the real sizes),
   * so a small window (or a descriptor with heavy tails) does not alarm on noise. The quantile is a
   * log-normal's, the distances being skewed (noise-floor.ts). nullSigmas follows from the requirement of at most 1 false
   * alarm in 100 same-source windows, met with 95% probability: that needs a rate per window of
   * at most 0.36% (binomial), shared by 9 tests (Bonferroni): 0.04% each, a one-sided z of 3.35.
   * Rounds: the log-normal tail at 3.35 sd needs the log spread to within a few percent; with 30
   * rounds the floor of one test moved between 0.10 and 0.24 from seed to seed, with 200 it holds
   * still (bootstrap-distances.ts makes a round cost a pass over the 2,000-row pool, not a sort).
   * Sizes above nullMaxRows are measured at nullMaxRows (noise only shrinks with size, so this errs
   * on the quiet side; above 5,000 rows the floors sit well under 0.1 anyway).
   */
  nullRounds: 200,
  nullSigmas: 3.35,
  nullMaxRows: 5000,
  nullSeed: 20261204,
  /** Evidently's domain-classifier threshold for large data: a classifier no better than this cannot tell the sides apart in practice. */
  domainAucThreshold: 0.55,
  /**
   * Below this many current rows the window is "small" (Evidently's cut-off for its small-data
   * tests) and the AUC threshold is raised by the AUCs of the same classifier trained on shuffled
   * side labels (with 200 texts a chance AUC of 0.58 is common): to at least their 95th percentile
   * (Evidently's rule), and to at least their mean + domainPermutationSigmas sd. The 95th percentile
   * alone is, by its definition, exceeded by 1 same-source window in 20 (measured: 6 and 5 alarms
   * in 200 windows of 200 texts); the normal tail at the noise floors' z (the AUC of a random
   * classifier is close to normal, Mann-Whitney) keeps small windows within the same false-alarm
   * budget as the distance tests. Set domainPermutationSigmas to 0 for Evidently's rule alone.
   */
  domainSmallWindow: 1000,
  domainPermutations: 40,
  domainPermutationQuantile: 0.95,
  domainPermutationSigmas: 3.35,
  /**
   * Rows per side the classifier sees: the reference sample (2,000) against at most 5,000 current
   * rows (the default window). Evidently does not cap: its TextDomainClassifierDriftMetric (and
   * calculate_text_drift_score) concatenates every reference and current text, fits on half and
   * scores the other half, so its cost grows with the window. lading caps because the reference
   * side bounds the precision: the AUC's standard error near 0.5 (Hanley-McNeil,
   * sqrt((n1 + n2 + 1) / (12 n1 n2)) on the held-out halves) is 0.011 with 1,000 reference and
   * 2,500 current rows, and still 0.009 with a million current rows (0.55 is 4.6 and 5.5 of those away).
   * So a window of a million predictions costs the classifier what one of 5,000 does. Above
   * the cap the rows are a uniform sample (reservoir-sample.ts), drawn as the window streams past,
   * with a seed of their own: windows within the cap keep every row, as they always did.
   */
  domainMaxRowsPerSide: 5000,
  /** 2^16 hashed TF-IDF features: collisions among the few thousand distinct tokens of two windows are rare. */
  domainFeatureBits: 16,
  /**
   * Logistic regression by SGD: a few epochs converge on sparse rows of ~6 features; L2 keeps the
   * weights of tokens seen once from deciding the AUC. Learning rate for L2-normalised rows.
   */
  domainEpochs: 6,
  domainLearningRate: 0.5,
  domainL2: 1e-4,
  domainSeed: 20261204,
  /** How many separating tokens per side and example texts a report names; tokens seen in fewer rows are not named (noise). */
  explainTokens: 10,
  explainExamples: 5,
  explainMinRows: 3,
} as const;

/** The settings the detectors read: DRIFT_DEFAULTS' keys, any values (tests and callers may override). */
export type DriftDefaults = { readonly [K in keyof typeof DRIFT_DEFAULTS]: number };
