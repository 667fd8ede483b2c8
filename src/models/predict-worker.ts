import { parentPort, workerData } from 'node:worker_threads';
import { loadModel } from './load-model.js';
import type { Classifier } from './classifier.js';
import { serialiseError } from './model-thread.js';
import type { PredictWorkerReply, PredictWorkerRequest } from './parallel-predict.js';

/**
 * One prediction thread of a ParallelPredictor: loads the model once, then answers predict requests
 * by writing straight into the caller's SharedArrayBuffer (no copy of the probabilities back).
 */
const port = parentPort;
if (!port) throw new Error('predict-worker.js must run in a worker thread');
const post = (m: PredictWorkerReply) => port.postMessage(m);

let classifier: Classifier | undefined;
try {
  const model = await loadModel((workerData as { modelPath: string }).modelPath);
  classifier = model.classifier;
  post({ type: 'ready', header: model.header, fileSha256: model.fileSha256, decisionEvidence: model.decisionEvidence });
} catch (e) {
  post({ type: 'load-failed', error: serialiseError(e) });
}

/** Requests run one at a time, in arrival order, even when the model's engine is async. */
let queue: Promise<void> = Promise.resolve();
port.on('message', (m: PredictWorkerRequest) => {
  queue = queue.then(() => handle(m));
});

async function handle(m: PredictWorkerRequest): Promise<void> {
  try {
    if (!classifier) throw new Error('model not loaded');
    if (m.type === 'predict') {
      const out = new Float32Array(m.buffer, m.byteOffset, m.texts.length * classifier.labels.length);
      if (classifier.predictProbaAsync) await classifier.predictProbaAsync(m.texts, out);
      else classifier.predictProba(m.texts, out);
      post({ type: 'done', id: m.id });
    } else {
      const c = classifier;
      const explanations = m.texts.map((t, i) => c.explain(t, m.classIds[i]!, m.limit));
      post({ type: 'explained', id: m.id, explanations });
    }
  } catch (e) {
    post({ type: 'failed', id: m.id, error: serialiseError(e) });
  }
}
