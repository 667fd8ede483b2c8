import { readDecisionEvidence, type DecisionEvidence } from '../core/decision-policy.js';
import { readArtifactFile, type ArtifactHeader } from './artifact.js';
import type { Classifier } from './classifier.js';
import { modelKind } from './kinds.js';
import { withStoredCalibration } from './top1-calibration.js';

export interface LoadedModel {
  readonly path: string;
  readonly header: ArtifactHeader;
  /** sha256 of the artifact file: the model's identity in predictions and the registry. */
  readonly fileSha256: string;
  readonly classifier: Classifier;
  /** The validation rows decide-or-route thresholds are fitted from; absent in older artifacts and imported ONNX models. */
  readonly decisionEvidence: DecisionEvidence | undefined;
}

/** Reads, verifies (format version, payload hash) and rebuilds a classifier from an artifact file, with its stored calibration. */
export async function loadModel(path: string): Promise<LoadedModel> {
  const artifact = readArtifactFile(path);
  const kind = await modelKind(artifact.header.kind);
  return { path, header: artifact.header, fileSha256: artifact.fileSha256, decisionEvidence: readDecisionEvidence(artifact.header, artifact.sections), classifier: withStoredCalibration(kind.load(artifact.header, artifact.sections), artifact.header.calibration) };
}
