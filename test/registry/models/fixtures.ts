import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeArtifact, type ArtifactMeta } from '../../../src/models/artifact.js';

/**
 * A small, valid model artifact (real format, synthetic weights). `seed` changes the bytes, so
 * each seed is a distinct artifact.
 */
export function syntheticArtifact(seed: number, overrides: Partial<ArtifactMeta> = {}): Buffer {
  const labels = overrides.labels ?? ['3901', '3923', '8471'];
  const weights = new Float32Array(labels.length * 8);
  for (let i = 0; i < weights.length; i++) weights[i] = Math.sin(seed * 31 + i);
  const meta: ArtifactMeta = {
    kind: 'linear',
    labels,
    featuriser: { wordNgrams: 2, buckets: 8 },
    params: { c: 1, seedUsed: seed },
    training: { datasetId: 'ds-0123456789abcdef', labelColumn: 'label', seed, upsample: false, trainRows: 100, validRows: 20 },
    metrics: { accuracy: 0.5 + (seed % 40) / 100, macroF1: 0.4 },
    codeVersion: 'lading@0.1.0-test',
    ...overrides,
  };
  return encodeArtifact(meta, [['weights', weights]]);
}

export function writeSyntheticArtifact(dir: string, seed: number, overrides: Partial<ArtifactMeta> = {}): string {
  const path = join(dir, `model-${seed}.lading`);
  writeFileSync(path, syntheticArtifact(seed, overrides));
  return path;
}
