import { InputError } from '../../core/errors.js';
import type { ReferenceProfile } from '../profile/reference-profile.js';
import { DISTANCE_TESTS, measureDistances, type DistanceTestName } from './distance-tests.js';
import { runDomainClassifier, type DomainRows, type SeparatingToken } from './domain-classifier.js';
import { DRIFT_DEFAULTS, type DriftDefaults } from './drift-defaults.js';
import type { DriftSummary } from './drift-accumulator.js';
import { sideFromProfile, sideFromWindow, type DriftSide } from './drift-side.js';
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
  const current = windowSide(window, profile, d);
  let previous: ComparedSide | undefined;
  if (options.previous) {
    checkDriftWindow(options.previous, 'previous');
    previous = windowSide(options.previous, profile, d);
  }
  return compareSides(profile, current, previous, d, options.domainClassifier !== false);
}

export interface SummaryReportOptions {
  /** The previous window, summarised with the same settings. */
  readonly previous?: DriftSummary;
  /** Skip the domain classifier (default: run it). */
  readonly domainClassifier?: boolean;
}

/**
 * runDriftReport on a window summarised while it was read (drift-accumulator.ts): the same tests,
 * values and verdicts as runDriftReport on the same rows in memory, at the cost of the summary
 * instead of the rows. The settings are the summary's.
 */
export function runDriftReportOnSummary(profile: ReferenceProfile, summary: DriftSummary, options: SummaryReportOptions = {}): DriftReport {
  checkSummary(summary, 'current');
  const d = summary.settings;
  let previous: ComparedSide | undefined;
  if (options.previous) {
    checkSummary(options.previous, 'previous');
    for (const k of Object.keys(d) as (keyof DriftDefaults)[]) {
      if (options.previous.settings[k] !== d[k]) {
        throw new InputError('drift-summary-settings', `the previous window was summarised with ${k} = ${options.previous.settings[k]}, the current one with ${d[k]}`,
          { setting: k }, 'summarise both windows with the same drift settings');
      }
    }
    previous = { side: options.previous.side, rows: options.previous.domainRows };
  }
  return compareSides(profile, { side: summary.side, rows: summary.domainRows }, previous, d, options.domainClassifier !== false);
}

function checkSummary(s: DriftSummary, name: string): void {
  if (s.rows === 0) {
    throw new InputError('drift-empty-window', `the ${name} window holds no predictions`, { window: name }, 'summarise at least one logged prediction');
  }
}

/** One side as the comparison reads it: its distance-test side and its rows for the domain classifier. */
interface ComparedSide { readonly side: DriftSide; readonly rows: DomainRows }

function windowSide(window: DriftWindow, profile: ReferenceProfile, d: DriftDefaults): ComparedSide {
  return { side: sideFromWindow(window, profile, d.jsTokenBucketBits), rows: { hashes: window.stats.map((s) => s.tokenHashes), texts: window.texts } };
}

function compareSides(profile: ReferenceProfile, current: ComparedSide, previousWindow: ComparedSide | undefined, d: DriftDefaults, domainClassifier: boolean): DriftReport {
  const known = knownTokens(profile);
  const sample = profile.sample;

  const compare = (against: DriftComparison['against'], baselineSide: DriftSide, baselineRows: DomainRows): DriftComparison => {
    const values = measureDistances(profile, baselineSide, current.side, d);
    const floors = noiseFloors(profile, baselineSide.rows, current.side.rows, d);
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
    if (domainClassifier) {
      const dc = runDomainClassifier(baselineRows, current.rows, d, known);
      tests.push({
        name: 'domain-classifier:tokens', kind: 'domain-classifier', value: dc.auc, threshold: dc.threshold, drift: dc.drift,
        thresholdFrom: dc.permutationAuc !== null && dc.permutationAuc > d.domainAucThreshold ? 'permutation' : 'default',
      });
      separatingTokens = { current: dc.currentTokens, baseline: dc.baselineTokens };
      currentExamples = dc.currentExamples;
    }
    return { against, rows: { baseline: baselineSide.rows, current: current.side.rows }, drift: tests.some((t) => t.drift), tests, separatingTokens, currentExamples };
  };

  const reference = compare('reference', sideFromProfile(profile, d.jsTokenBucketBits), { hashes: sample.stats.map((s) => s.tokenHashes), texts: sample.texts });
  if (!previousWindow) return reference;
  const previous = compare('previous-window', previousWindow.side, previousWindow.rows);
  return { ...reference, previous };
}

const known = new WeakMap<ReferenceProfile, Map<number, string>>();

function knownTokens(profile: ReferenceProfile): Map<number, string> {
  let m = known.get(profile);
  if (!m) { m = new Map(profile.tokens.top.map((t) => [t.hash, t.token])); known.set(profile, m); }
  return m;
}
