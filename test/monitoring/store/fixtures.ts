import { sha256Hex } from '../../../src/core/hash.js';
import type { LoggedPrediction, RankedLabel } from '../../../src/monitoring/log/logged-prediction.js';
import { computeTextStats } from '../../../src/monitoring/text-stats.js';
import { normaliseText } from '../../../src/text/normalise.js';

const TEXTS = [
  'Stainless steel kitchen knife, 20 cm blade, black handle',
  'Organic green tea 100 bags Größe M — Sencha from Shizuoka',
  'USB-C charging cable 2m braided nylon, 60W fast charge',
  'Cotton T-shirt men crew neck, navy blue, size XL',
  'LED desk lamp with 3 brightness levels and wireless charger',
];

/** One realistic logged row; `i` varies request id, text and time; `over` replaces any field. */
export function prediction(i: number, over: Partial<LoggedPrediction> = {}): LoggedPrediction {
  const text = over.text === undefined ? TEXTS[i % TEXTS.length]! : over.text;
  const statsText = text ?? TEXTS[i % TEXTS.length]!;
  const topK: RankedLabel[] = [
    { label: `class-${i % 7}`, score: 0.61 + (i % 10) / 1000 },
    { label: 'class-b', score: 0.2 },
    { label: 'class-c', score: 0.1 },
    { label: 'class-d', score: 0.05 },
    { label: 'class-e', score: 0.0123456789 },
  ];
  return {
    requestId: `req-${i}`,
    position: 0,
    at: 1_700_000_000_000 + i * 1000,
    endpoint: 'hs',
    variant: 'main',
    role: 'primary',
    model: 'hs-model',
    version: '3',
    modelSha256: 'a'.repeat(64),
    text,
    textSha256: sha256Hex(normaliseText(statsText)),
    label: topK[0]!.label,
    score: topK[0]!.score,
    topK,
    latencyMs: 1.25 + i,
    stats: computeTextStats(statsText),
    ...over,
  };
}

export const rows = (n: number, over: (i: number) => Partial<LoggedPrediction> = () => ({}), from = 0): LoggedPrediction[] =>
  Array.from({ length: n }, (_, k) => prediction(from + k, over(from + k)));

/**
 * Like rows(), for tests that need tens of thousands: five prepared rows (texts, hashes and stats
 * computed once) copied with this row's request id, time, score and latency.
 */
export function manyRows(n: number, over: (i: number) => Partial<LoggedPrediction> = () => ({}), from = 0): LoggedPrediction[] {
  const templates = Array.from({ length: TEXTS.length }, (_, k) => prediction(k));
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return { ...templates[i % TEXTS.length]!, requestId: `req-${i}`, at: 1_700_000_000_000 + i * 1000, latencyMs: 1.25 + i, ...over(i) };
  });
}
