import type { ReferenceProfile } from '../profile/reference-profile.js';
import { DISTANCE_TESTS, measureDistances, type DistanceTestName } from './distance-tests.js';
import { runDomainClassifier, type DomainRows, type SeparatingToken } from './domain-classifier.js';
import { DRIFT_DEFAULTS, type DriftDefaults } from './drift-defaults.js';
import { sideFromProfile, sideFromWindow } from './drift-side.js';
import { checkDriftWindow, type DriftWindow } from './drift-window.js';
import { noiseFloors } from './noise-floor.js';

export type DriftTestKind = 'wasserstein' | 'jensen-shannon' | 'domain-classifier';

export interface DriftTestResult {
  /** `wasserstein:length`, `jensen-shannon:predicted-label`, `domain-classifier:tokens`... */
  readonly name: string;
  readonly kind: DriftTestKind;
  readonly value: number;
  readonly threshold: number;
  readonly drift: boolean;
  /** Why the threshold is what it is: the fixed default, or the noise floor / permutation percentile that raised it. */
  readonly thresholdFrom: 'default' | 'noise-floor' | 'permutation';
}

export interface DriftComparison {
  readonly against: 'reference' | 'previous-window';
  readonly rows: { readonly baseline: number; readonly current: number };
  /** True when any test drifted. */
  readonly drift: boolean;
  readonly tests: readonly DriftTestResult[];
  /** Tokens the domain classifier found most typical of each side (empty when it did not run). */
  readonly separatingTokens: { readonly current: readonly SeparatingToken[]; readonly baseline: readonly SeparatingToken[] };
  readonly currentExamples: ReadonlyArray<{ readonly text: string; readonly score: number }>;
}

/** The window against the reference profile, and against the previous window when one is given. */
export interface DriftReport extends DriftComparison {
  readonly previous?: DriftComparison;
}

export interface DriftReportOptions {
  readonly previous?: DriftWindow;
  /** Overrides of DRIFT_DEFAULTS (tests, experiments); each default's reason is in drift-defaults.ts. */
  readonly settings?: Partial<DriftDefaults>;
  /** Skip the domain classifier (default: run it). */
  readonly domainClassifier?: boolean;
}

/**
 * Compares a window of production with the model's reference profile (and with the previous
 * window): every distance test against max(its default threshold, its noise floor at these sizes),
 * and the domain classifier on the tokens. Pure: reads nothing, stores nothing.
 */
export function runDriftReport(profile: ReferenceProfile, window: DriftWindow, options: DriftReportOptions = {}): DriftReport {
  const d: DriftDefaults = { ...DRIFT_DEFAULTS, ...options.settings };
  checkDriftWindow(window, 'current');
  const bits = d.jsTokenBucketBits;
  const current = sideFromWindow(window, profile, bits);
  const currentRows: DomainRows = { hashes: window.stats.map((s) => s.tokenHashes), texts: window.texts };
  const known = knownTokens(profile);
  const sample = profile.sample;

  const compare = (against: DriftComparison['against'], baselineSide: ReturnType<typeof sideFromProfile>, baselineRows: DomainRows): DriftComparison => {
    const values = measureDistances(profile, baselineSide, current, d);
    const floors = noiseFloors(profile, baselineSide.rows, current.rows, d);
    const tests: DriftTestResult[] = DISTANCE_TESTS.map((name: DistanceTestName) => {
      const floor = floors[name].floor;
      const threshold = Math.max(d.distanceThreshold, floor);
      return {
        name, kind: name.startsWith('wasserstein') ? 'wasserstein' : 'jensen-shannon', value: values[name], threshold,
        drift: values[name] >= threshold, thresholdFrom: floor > d.distanceThreshold ? 'noise-floor' : 'default',
      };
    });
    let separatingTokens: DriftComparison['separatingTokens'] = { current: [], baseline: [] };
    let currentExamples: DriftComparison['currentExamples'] = [];
    if (options.domainClassifier !== false) {
      const dc = runDomainClassifier(baselineRows, currentRows, d, known);
      tests.push({
        name: 'domain-classifier:tokens', kind: 'domain-classifier', value: dc.auc, threshold: dc.threshold, drift: dc.drift,
        thresholdFrom: dc.permutationAuc !== null && dc.permutationAuc > d.domainAucThreshold ? 'permutation' : 'default',
      });
      separatingTokens = { current: dc.currentTokens, baseline: dc.baselineTokens };
      currentExamples = dc.currentExamples;
    }
    return { against, rows: { baseline: baselineSide.rows, current: current.rows }, drift: tests.some((t) => t.drift), tests, separatingTokens, currentExamples };
  };

  const reference = compare('reference', sideFromProfile(profile, bits), { hashes: sample.stats.map((s) => s.tokenHashes), texts: sample.texts });
  if (!options.previous) return reference;
  checkDriftWindow(options.previous, 'previous');
  const previous = compare('previous-window', sideFromWindow(options.previous, profile, bits),
    { hashes: options.previous.stats.map((s) => s.tokenHashes), texts: options.previous.texts });
  return { ...reference, previous };
}

const known = new WeakMap<ReferenceProfile, Map<number, string>>();

function knownTokens(profile: ReferenceProfile): Map<number, string> {
  let m = known.get(profile);
  if (!m) { m = new Map(profile.tokens.top.map((t) => [t.hash, t.token])); known.set(profile, m); }
  return m;
}
