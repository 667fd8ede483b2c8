import { readDecisionEvidence, type DecisionEvidence } from '../core/decision-policy.js';
import { decodeArtifact, readArtifactFile, type ArtifactHeader, type LoadedArtifact } from './artifact.js';
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
  return modelFromArtifact(path, readArtifactFile(path));
}

/** The same from bytes this process read and verified already (models/artifact.ts readSharedArtifact): no second read, no hashing. */
export function loadVerifiedModel(path: string, bytes: SharedArrayBuffer, fileSha256: string): Promise<LoadedModel> {
  return modelFromArtifact(path, decodeArtifact(new Uint8Array(bytes), path, { fileSha256 }));
}

/** Rebuilds the classifier of a decoded artifact, with its stored calibration. */
export async function modelFromArtifact(path: string, artifact: LoadedArtifact): Promise<LoadedModel> {
  const kind = await modelKind(artifact.header.kind);
  return { path, header: artifact.header, fileSha256: artifact.fileSha256, decisionEvidence: readDecisionEvidence(artifact.header, artifact.sections), classifier: withStoredCalibration(kind.load(artifact.header, artifact.sections), artifact.header.calibration) };
}
