import { InterruptedError } from '../../core/errors.js';
import { decodeArtifact } from '../../models/artifact.js';
import type { Classifier } from '../../models/classifier.js';
import { modelKind } from '../../models/kinds.js';
import { withStoredCalibration } from '../../models/top1-calibration.js';
import type { ModelRegistry, ModelVersionRecord } from '../../registry/model-registry.js';
import type { GateModel } from './gate-report.js';

/** Texts predicted per call: the probabilities of one batch are all that is held at once. */
const PREDICT_BATCH = 1024;

/** A registered version loaded in this process, from its sha256-verified bytes (no file written). */
export interface LoadedGateModel {
  readonly record: ModelVersionRecord;
  readonly classifier: Classifier;
}

export async function loadGateModel(registry: Pick<ModelRegistry, 'readModelArtifact'>, record: ModelVersionRecord): Promise<LoadedGateModel> {
  const bytes = await registry.readModelArtifact(record);
  const artifact = decodeArtifact(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), `${record.model} version ${record.version}`);
  const kind = await modelKind(artifact.header.kind);
  return { record, classifier: withStoredCalibration(kind.load(artifact.header, artifact.sections), artifact.header.calibration) };
}

export function gateModelOf(record: ModelVersionRecord): GateModel {
  return { model: record.model, version: record.version, kind: record.kind, artifactSha256: record.artifactSha256 };
}

/** Probabilities through the model's async path when it has one (ONNX), as serving would call it. */
export async function predictInto(classifier: Classifier, texts: readonly string[], out: Float32Array): Promise<void> {
  if (classifier.predictProbaAsync) await classifier.predictProbaAsync(texts, out);
  else classifier.predictProba(texts, out);
}

/** Each text's top-1 label (first of equal probabilities, as evaluation does) and its probability. */
export interface ModelAnswers {
  readonly labels: readonly string[];
  readonly confidence: Float32Array;
}

export async function answerTexts(classifier: Classifier, texts: readonly string[], signal?: AbortSignal): Promise<ModelAnswers> {
  const k = classifier.labels.length;
  const labels: string[] = new Array<string>(texts.length);
  const confidence = new Float32Array(texts.length);
  const out = new Float32Array(Math.max(1, Math.min(PREDICT_BATCH, texts.length)) * k);
  for (let start = 0; start < texts.length; start += PREDICT_BATCH) {
    if (signal?.aborted) throw new InterruptedError('the quality gates');
    const batch = texts.slice(start, start + PREDICT_BATCH);
    await predictInto(classifier, batch, out);
    for (let r = 0; r < batch.length; r++) {
      let best = 0;
      let bestP = out[r * k]!;
      for (let c = 1; c < k; c++) {
        const p = out[r * k + c]!;
        if (p > bestP) { bestP = p; best = c; }
      }
      labels[start + r] = classifier.labels[best]!;
      confidence[start + r] = bestP;
    }
  }
  return { labels, confidence };
}
