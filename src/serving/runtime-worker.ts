import { parentPort, workerData } from 'node:worker_threads';
import type { Classifier } from '../models/classifier.js';
import { loadModel } from '../models/load-model.js';
import { serialiseError } from '../models/model-thread.js';
import { argmaxRows } from './rows.js';
import type { RuntimeWorkerReply, RuntimeWorkerRequest } from './worker-protocol.js';

/**
 * One serving thread: loads the model once, then answers batches. Probabilities come back in a
 * fresh buffer whose memory is transferred (not copied) to the main thread.
 */
const port = parentPort;
if (!port) throw new Error('runtime-worker.js must run in a worker thread');
const post = (m: RuntimeWorkerReply, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer ?? []);

let classifier: Classifier | undefined;
try {
  const model = await loadModel((workerData as { modelPath: string }).modelPath);
  classifier = model.classifier;
  post({ type: 'ready', header: model.header, fileSha256: model.fileSha256 });
} catch (e) {
  post({ type: 'load-failed', error: serialiseError(e) });
}

/**
 * Requests run one at a time, in arrival order. Engines that only run async (onnxruntime) answer
 * through predictProbaAsync; the synchronous engines skip the promise on the hot path.
 */
let queue: Promise<void> = Promise.resolve();
port.on('message', (m: RuntimeWorkerRequest) => {
  if (classifier?.predictProbaAsync) queue = queue.then(() => handle(m));
  else void handle(m);
});

async function handle(m: RuntimeWorkerRequest): Promise<void> {
  try {
    if (!classifier) throw new Error('model not loaded');
    if (m.type === 'predict') {
      const proba = new Float32Array(m.texts.length * classifier.labels.length);
      if (classifier.predictProbaAsync) await classifier.predictProbaAsync(m.texts, proba);
      else classifier.predictProba(m.texts, proba);
      // The top-1 of each row is found here, where the rows are still in cache, not on the HTTP thread.
      const { ids, scores } = argmaxRows(proba, classifier.labels.length);
      post({ type: 'predicted', id: m.id, proba, topIds: ids, topScores: scores }, [proba.buffer as ArrayBuffer, ids.buffer as ArrayBuffer, scores.buffer as ArrayBuffer]);
    } else {
      const c = classifier;
      post({ type: 'explained', id: m.id, explanations: m.texts.map((t, i) => c.explain(t, m.classIds[i]!, m.limit)) });
    }
  } catch (e) {
    post({ type: 'failed', id: m.id, error: serialiseError(e) });
  }
}
