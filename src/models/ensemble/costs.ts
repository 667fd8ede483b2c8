import type { EnsembleClassifier } from './model.js';
import { emptyVote } from './near-duplicate-memory.js';

/**
 * What each part of the ensemble costs, in texts per second on the calling thread, measured on the
 * validation texts once training is done: each member's predictProba, the memory's search, and the
 * re-ranker (candidates, features, scores). Each part runs once untimed first (a cold JIT would
 * make it look many times slower than it serves). Timings never go into the artifact (its bytes
 * must not depend on the machine); `lading train` shows them as a progress line.
 */
export function measureCosts(model: EnsembleClassifier, texts: readonly string[], memberProba: readonly Float32Array[]): Record<string, number> {
  if (texts.length === 0) return {};
  measureOnce(model, texts, memberProba);
  return measureOnce(model, texts, memberProba);
}

function measureOnce(model: EnsembleClassifier, texts: readonly string[], memberProba: readonly Float32Array[]): Record<string, number> {
  const C = model.labels.length;
  const out: Record<string, number> = {};
  const rate = (seconds: number): number => Math.round(texts.length / Math.max(seconds, 1e-9));
  const scratch = new Float32Array(texts.length * C);
  let total = 0;
  model.members.forEach((m, i) => {
    const t0 = performance.now();
    m.predictProba(texts, scratch);
    const s = (performance.now() - t0) / 1000;
    total += s;
    out[`${m.kind}#${i}`] = rate(s);
  });
  const search = model.memorySearch;
  let memorySeconds = 0;
  if (search) {
    const vote = emptyVote(16);
    const t0 = performance.now();
    for (const t of texts) search.query(t, vote);
    memorySeconds = (performance.now() - t0) / 1000;
    out['memory'] = rate(memorySeconds);
  }
  const t0 = performance.now();
  model.combine(texts, memberProba, scratch);
  const combineSeconds = (performance.now() - t0) / 1000;
  // combine() includes the memory search; the re-ranker alone is the rest.
  out['rerank'] = rate(Math.max(combineSeconds - memorySeconds, 1e-9));
  out['ensemble'] = rate(total + combineSeconds);
  return out;
}
