import type { ModelIdentity } from './model-runtime.js';
import type { PredictionObserver } from './prediction-observers.js';
import type { ServingMetrics, VariantMeters } from './serving-metrics.js';

/**
 * The Prometheus side of every answered request: latency, queue time, texts, top-1 labels and
 * scores per endpoint, model version and variant. Shadow copies are left out here (the shadow
 * runner counts their outcomes and agreement), as they always were.
 */
export function metricsObserver(metrics: ServingMetrics): PredictionObserver {
  // Meters per (model identity, endpoint, variant): one object lookup per event instead of a label hash.
  const meters = new WeakMap<ModelIdentity, Map<string, VariantMeters>>();
  return (e) => {
    if (e.role !== 'primary') return;
    let byRoute = meters.get(e.model);
    if (!byRoute) meters.set(e.model, (byRoute = new Map()));
    const key = `${e.endpoint}\0${e.variant}`;
    let m = byRoute.get(key);
    if (!m) byRoute.set(key, (m = metrics.variant(e.endpoint, e.model, e.variant)));
    metrics.batchObserver(e.model).queued(e.queueMs / 1000);
    metrics.recordPrediction(m, e.latencyMs / 1000, e.model.labels, e.topIds, e.topScores, e.decisions);
  };
}
