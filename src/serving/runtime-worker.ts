import { parentPort, workerData } from 'node:worker_threads';
import { isLadingError } from '../core/errors.js';
import type { Classifier } from '../models/classifier.js';
import { loadModel } from '../models/load-model.js';
import type { RuntimeWorkerReply, RuntimeWorkerRequest, WorkerError } from './worker-protocol.js';

/**
 * One serving thread: loads the model once, then answers batches. Probabilities come back in a
 * fresh buffer whose memory is transferred (not copied) to the main thread.
 */
const port = parentPort;
if (!port) throw new Error('runtime-worker.js must run in a worker thread');
const post = (m: RuntimeWorkerReply, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer ?? []);

function serialiseError(e: unknown): WorkerError {
  if (isLadingError(e)) return { name: e.name, message: e.message, code: e.code, facts: { ...e.facts }, hint: e.hint };
  const err = e instanceof Error ? e : new Error(String(e));
  return { name: err.name, message: err.message };
}

let classifier: Classifier | undefined;
try {
  const model = await loadModel((workerData as { modelPath: string }).modelPath);
  classifier = model.classifier;
  post({ type: 'ready', header: model.header, fileSha256: model.fileSha256 });
} catch (e) {
  post({ type: 'load-failed', error: serialiseError(e) });
}

port.on('message', (m: RuntimeWorkerRequest) => {
  try {
    if (!classifier) throw new Error('model not loaded');
    if (m.type === 'predict') {
      const proba = new Float32Array(m.texts.length * classifier.labels.length);
      classifier.predictProba(m.texts, proba);
      post({ type: 'predicted', id: m.id, proba }, [proba.buffer as ArrayBuffer]);
    } else {
      const c = classifier;
      post({ type: 'explained', id: m.id, explanations: m.texts.map((t, i) => c.explain(t, m.classIds[i]!, m.limit)) });
    }
  } catch (e) {
    post({ type: 'failed', id: m.id, error: serialiseError(e) });
  }
});
