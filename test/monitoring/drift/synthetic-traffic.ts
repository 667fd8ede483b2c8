/**
 * Seeded product-like texts for the monitoring tests: ten classes, each with its own words, some
 * words shared by all, digits now and then. Close enough to short goods descriptions to exercise
 * the detectors, small enough to build a profile in milliseconds.
 */
import { createRandom, type Random } from '../../../src/core/random.js';
import type { DriftWindow } from '../../../src/monitoring/drift/drift-window.js';
import { buildReferenceProfile, type ReferenceProfile } from '../../../src/monitoring/profile/reference-profile.js';
import { computeTextStats } from '../../../src/monitoring/text-stats.js';

export const LABELS = Array.from({ length: 10 }, (_, c) => `class-${c}`);
const CLASS_WORDS = LABELS.map((_, c) => Array.from({ length: 25 }, (_, k) => `w${c}x${k}`));
const COMMON = ['steel', 'plastic', 'set', 'parts', 'new', 'black', 'white', 'pcs', 'box', 'kit'];

export interface Traffic { texts: string[]; y: Int32Array }

/** n texts; classWeights (default uniform) skews which classes appear; extra words are appended to a share of texts. */
export function generateTexts(n: number, seed: number, opts: { classWeights?: number[]; extraWords?: string[]; extraShare?: number; upper?: boolean } = {}): Traffic {
  const random = createRandom(seed);
  const weights = opts.classWeights ?? LABELS.map(() => 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const texts: string[] = [];
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let u = random.next() * total;
    let c = 0;
    while (c < weights.length - 1 && u >= weights[c]!) { u -= weights[c]!; c++; }
    y[i] = c;
    const words: string[] = [];
    const k = 2 + random.int(4);
    for (let j = 0; j < k; j++) words.push(pick(CLASS_WORDS[c]!, random));
    for (let j = random.int(3); j > 0; j--) words.push(pick(COMMON, random));
    if (random.next() < 0.3) words.unshift(`${1 + random.int(200)}`);
    if (opts.extraWords && random.next() < (opts.extraShare ?? 1)) words.push(pick(opts.extraWords, random));
    const t = words.join(' ');
    texts.push(opts.upper ? t.toUpperCase() : t);
  }
  return { texts, y };
}

function pick<T>(items: readonly T[], random: Random): T {
  return items[random.int(items.length)]!;
}

/** A model that is right ~80% of the time with scores spread over (0.3, 1). */
export function fakeProba(y: Int32Array, seed: number): { proba: Float32Array; predicted: Int32Array; top: Float32Array } {
  const random = createRandom(seed);
  const L = LABELS.length;
  const proba = new Float32Array(y.length * L);
  const predicted = new Int32Array(y.length);
  const top = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const p = random.next() < 0.8 ? y[i]! : random.int(L);
    const s = 0.3 + 0.7 * random.next();
    for (let j = 0; j < L; j++) proba[i * L + j] = j === p ? s : (1 - s) / (L - 1);
    predicted[i] = p;
    top[i] = proba[i * L + p]!;
  }
  return { proba, predicted, top };
}

export function syntheticProfile(seed = 1): ReferenceProfile {
  const train = generateTexts(3000, seed);
  const valid = generateTexts(2500, seed + 1);
  return buildReferenceProfile({ trainTexts: train.texts, validTexts: valid.texts, validY: valid.y, validProba: fakeProba(valid.y, seed + 2).proba, labels: LABELS });
}

export function windowOf(t: Traffic, seed: number): DriftWindow {
  const { predicted, top } = fakeProba(t.y, seed);
  return { stats: t.texts.map(computeTextStats), labels: Array.from(predicted, (p) => LABELS[p]!), scores: top, texts: t.texts };
}
