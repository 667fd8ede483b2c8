import { parentPort, workerData } from 'node:worker_threads';
import type { Classifier } from '../models/classifier.js';
import { loadModel, loadVerifiedModel } from '../models/load-model.js';
import { serialiseError, type ModelThreadData } from '../models/model-thread.js';
import { NO_ROWS, topAndRanked } from './rows.js';
import type { RuntimeWorkerReply, RuntimeWorkerRequest } from './worker-protocol.js';

/**
 * One serving thread: loads the model once, then answers batches. Each row's top-1 (and k best
 * when asked) is found here. The probability rows come back (in a fresh buffer whose memory is
 * transferred, not copied) only when asked for: otherwise they are made in one reused buffer and
 * stay here. Transferred rows (3.3 KB a text at 815 classes) were external memory the HTTP thread's
 * heap had to collect: with 32-text requests and the log off, a CPU profile of a plain plane
 * (no HTTP) showed garbage collection at 47% of the HTTP thread's busy time, 8% without the rows.
 */
const port = parentPort;
if (!port) throw new Error('runtime-worker.js must run in a worker thread');
const post = (m: RuntimeWorkerReply, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer ?? []);

let classifier: Classifier | undefined;
let scratch = new Float32Array(0);
try {
  const data = workerData as ModelThreadData;
  const model = data.verified ? await loadVerifiedModel(data.modelPath, data.verified.bytes, data.verified.fileSha256) : await loadModel(data.modelPath);
  classifier = model.classifier;
  post({ type: 'ready', header: model.header, fileSha256: model.fileSha256, decisionEvidence: model.decisionEvidence });
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
      const classes = classifier.labels.length;
      const floats = m.texts.length * classes;
      // Requests run one at a time (async engines through the queue), so one scratch buffer serves them all.
      if (!m.rows && scratch.length < floats) scratch = new Float32Array(floats);
      const proba = m.rows ? new Float32Array(floats) : scratch.subarray(0, floats);
      const started = performance.now();
      if (classifier.predictProbaAsync) await classifier.predictProbaAsync(m.texts, proba);
      else classifier.predictProba(m.texts, proba);
      const { ids, scores, ranked } = topAndRanked(proba, classes, m.k);
      const computeMs = performance.now() - started;
      const transfer = [ids.buffer as ArrayBuffer, scores.buffer as ArrayBuffer];
      if (m.rows) transfer.push(proba.buffer as ArrayBuffer);
      if (ranked) transfer.push(ranked.ids.buffer as ArrayBuffer, ranked.scores.buffer as ArrayBuffer);
      post({ type: 'predicted', id: m.id, proba: m.rows ? proba : NO_ROWS, topIds: ids, topScores: scores, k: ranked?.k ?? 1, rankIds: ranked?.ids, rankScores: ranked?.scores, computeMs }, transfer);
    } else {
      const c = classifier;
      post({ type: 'explained', id: m.id, explanations: m.texts.map((t, i) => c.explain(t, m.classIds[i]!, m.limit)) });
    }
  } catch (e) {
    post({ type: 'failed', id: m.id, error: serialiseError(e) });
  }
}
