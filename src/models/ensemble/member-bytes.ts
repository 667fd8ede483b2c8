import { codeVersion } from '../../core/version.js';
import { decodeArtifact, encodeArtifact, type ArtifactMeta } from '../artifact.js';
import type { Classifier } from '../classifier.js';
import { memberKind } from './member-kinds.js';

/**
 * A member travels inside the ensemble's artifact as its own complete artifact (a u8 section), so
 * it is rebuilt by its own kind's loader with all of that kind's checks, and could be pulled out
 * and served alone.
 */
export function memberBytes(member: Classifier, labels: readonly string[], training: { seed: number; trainRows: number; validRows: number }): Uint8Array {
  const { featuriser, params, sections } = member.serialise();
  const meta: ArtifactMeta = {
    kind: member.kind, labels, featuriser, params,
    training: { seed: training.seed, upsample: false, trainRows: training.trainRows, validRows: training.validRows },
    metrics: {}, codeVersion: codeVersion(),
  };
  const bytes = encodeArtifact(meta, sections);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function loadMember(bytes: Uint8Array, where: string): Classifier {
  const artifact = decodeArtifact(bytes, where);
  return memberKind(artifact.header.kind).load(artifact.header, artifact.sections);
}
