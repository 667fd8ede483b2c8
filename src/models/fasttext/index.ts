import { ArtifactError } from '../../core/errors.js';
import type { ArtifactMeta, SectionArray } from '../artifact.js';
import type { ModelKind } from '../classifier.js';
import { FastTextClassifier } from './model.js';
import { FASTTEXT_DEFAULTS, parseFastTextParams, type FastTextParams } from './params.js';
import { trainFastText } from './train.js';

export { FastTextClassifier } from './model.js';
export { FASTTEXT_DEFAULTS, parseFastTextParams, type FastTextParams } from './params.js';
export { trainFastText } from './train.js';

export const fastTextKind: ModelKind = {
  name: 'fasttext',
  description: 'fastText-style bag of hashed word and character n-grams: IDF-weighted embeddings, softmax, SGD',
  defaults: { ...FASTTEXT_DEFAULTS },
  refits: true,
  featureEncoding: 'tokens-v2',
  train: trainFastText,
  load(meta: ArtifactMeta, sections: ReadonlyMap<string, SectionArray>): FastTextClassifier {
    let params: FastTextParams;
    try {
      // An artifact from before featureWeight read feature tokens as words of the text: 0 keeps that.
      params = parseFastTextParams({ featureWeight: 0, ...meta.params });
    } catch (e) {
      throw new ArtifactError('artifact-bad-params', `fasttext artifact has invalid params: ${(e as Error).message}`, { kind: 'fasttext' }, undefined, { cause: e });
    }
    const bucketIds = section(sections, 'bucketIds', Uint32Array);
    const stored = sections.get('embedding');
    const embedding = stored instanceof Int8Array ? stored : section(sections, 'embedding', Float32Array);
    const rowScales = embedding instanceof Int8Array ? section(sections, 'rowScales', Float32Array) : undefined;
    const output = section(sections, 'output', Float32Array);
    // Artifacts written before n-gram weighting have no rowWeights: a plain mean, weight 1 each.
    const rowWeights = sections.has('rowWeights') ? section(sections, 'rowWeights', Float32Array) : new Float32Array(bucketIds.length).fill(1);
    const classes = meta.labels.length;
    const features = featureSections(sections, classes);
    if (embedding.length !== bucketIds.length * params.dim || output.length !== classes * params.dim || rowWeights.length !== bucketIds.length
      || (rowScales !== undefined && rowScales.length !== bucketIds.length)) {
      throw new ArtifactError('artifact-bad-section',
        `fasttext artifact sections do not fit dim ${params.dim}: embedding ${embedding.length}, output ${output.length}, rowWeights ${rowWeights.length} for ${bucketIds.length} rows and ${classes} classes`,
        { kind: 'fasttext', dim: params.dim });
    }
    for (let r = 0; r < bucketIds.length; r++) {
      if (bucketIds[r]! >= params.buckets || (r > 0 && bucketIds[r]! <= bucketIds[r - 1]!)) {
        throw new ArtifactError('artifact-bad-section', `fasttext artifact bucket index is not ascending within ${params.buckets} buckets at row ${r}`,
          { kind: 'fasttext', section: 'bucketIds', row: r });
      }
    }
    return new FastTextClassifier(meta.labels, params, { bucketIds, rowWeights, embedding, output, ...(rowScales === undefined ? {} : { rowScales }), ...features });
  },
};

/** The entity-feature class scores (feature-logits.ts), in artifacts of models trained with features since they exist. */
function featureSections(sections: ReadonlyMap<string, SectionArray>, classes: number): { featureBucketIds?: Uint32Array; featureLogits?: Float32Array } {
  if (!sections.has('featureBucketIds')) return {};
  const featureBucketIds = section(sections, 'featureBucketIds', Uint32Array);
  const featureLogits = section(sections, 'featureLogits', Float32Array);
  if (featureLogits.length !== featureBucketIds.length * classes) {
    throw new ArtifactError('artifact-bad-section', `fasttext artifact has ${featureLogits.length} feature logits for ${featureBucketIds.length} values and ${classes} classes`,
      { kind: 'fasttext', section: 'featureLogits' });
  }
  return { featureBucketIds, featureLogits };
}

function section<T extends SectionArray>(sections: ReadonlyMap<string, SectionArray>, name: string, ctor: new (...args: never[]) => T): T {
  const s = sections.get(name);
  if (!(s instanceof ctor)) {
    throw new ArtifactError('artifact-bad-section', `fasttext artifact lacks section ${name} of the expected type`, { kind: 'fasttext', section: name });
  }
  return s;
}
