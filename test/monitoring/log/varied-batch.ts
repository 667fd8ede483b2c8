import { packBatch, type LogBatch } from '../../../src/monitoring/log/log-batch.js';
import type { PredictionEvent } from '../../../src/serving/prediction-observers.js';
import { compileClassMapping, type ServingTaxonomy } from '../../../src/serving/serving-taxonomy.js';
import { mapAnswers } from '../../../src/serving/taxonomy-answers.js';

const T0 = 1_700_000_000_000;
const HS = ['040310', '940540', '620190', '382200', '851712', '300490', '870323'];
const OFFERS = ['shoes', 'bags', 'phones'];
const TAXONOMY: ServingTaxonomy = {
  ref: 'hs2022@1',
  descriptions: new Map([['040320', 'Yogurt'], ['620190', 'Overcoats'], ['940541', 'Lamps A'], ['940542', 'Lamps B']]),
  remap: { id: 'corr-1', targets: new Map([['040310', ['040320']], ['940540', ['940541', '940542']]]) },
};

/** One answered call: text r is most sure of class wins[r] (then the next classes, less and less). */
function call(labels: readonly string[], texts: string[], wins: number[], over: Partial<PredictionEvent> & { at: number }): PredictionEvent {
  const classes = labels.length;
  const proba = new Float32Array(texts.length * classes);
  wins.forEach((w, r) => { for (let c = 0; c < classes; c++) proba[r * classes + c] = c === w ? 0.55 : 0.3 / (1 + ((c - w + classes) % classes)); });
  return {
    endpoint: 'hs', variant: 'main', role: 'primary', pinned: false,
    model: { name: labels === HS ? 'hs-model' : 'offers', version: '2', kind: 'linear', sha256: (labels === HS ? 'a' : 'b').repeat(64), labels },
    texts, proba, topIds: Int32Array.from(wins), topScores: new Float32Array(texts.length).fill(0.55), latencyMs: 1.25, queueMs: 0, requestIds: [], ...over,
  };
}

/**
 * A log batch with every kind of row the writer meets: two endpoints, one that logs no text; a
 * shadow copy; a model of fewer classes than the log ranks; one id per call and one per text, and
 * none; entity features with and without values; answers under a taxonomy; non-ASCII, empty and
 * repeated texts; calls out of time order. `at` of the first call is T0 + `shift`.
 */
export function variedBatch(shift = 0): LogBatch {
  const t = T0 + shift;
  const hsTexts = ['Cotton T-shirts, knitted', 'Größe 10 × Émile — 中文 ✓', 'LED lamps 12V', ''];
  const events: PredictionEvent[] = [
    call(HS, hsTexts, [0, 1, 2, 3], { at: t + 5, requestIds: ['req-a'] }),
    call(HS, ['Cotton T-shirts, knitted', 'Mobile phone 5G'], [2, 4], { at: t + 2, requestIds: ['m-1', 'm-2'] }),
    call(HS, ['cotton t-shirts,   KNITTED'], [2], { at: t + 5, role: 'shadow', variant: 'challenger' }),
    call(OFFERS, ['Running shoes size 42', 'Leather bag'], [0, 1], { at: t + 1, endpoint: 'offers', requestIds: ['o-1'],
      features: [{ 'importer:category_mix': 'shoes', 'importer:orders': 12 }, null] }),
    call(HS, ['Paracetamol 500 mg tablets'], [5], { at: t + 9, requestIds: ['req-b'] }),
  ];
  const mapping = compileClassMapping(HS, TAXONOMY);
  const first = events[0]!;
  events[0] = { ...first, taxonomy: mapAnswers(mapping, { proba: first.proba, topIds: first.topIds, topScores: first.topScores }, HS.length, 10, 1) };
  return packBatch(events, (endpoint) => endpoint !== 'offers');
}
