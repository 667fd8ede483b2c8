import { ArtifactError } from '../../core/errors.js';
import type { ArtifactMeta, SectionArray } from '../artifact.js';
import type { ModelKind } from '../classifier.js';
import { decodeVocab, type OnnxClassifier } from '../onnx/onnx-classifier.js';
import { importDnnWeights } from './export-onnx.js';
import { dnnClassifier, dnnShape } from './model.js';
import { DNN_DEFAULTS, parseDnnParams, type DnnParams } from './params.js';
import { trainDnn } from './train.js';

export { DNN_DEFAULTS, parseDnnParams, type DnnParams } from './params.js';
export { trainDnn } from './train.js';

export const dnnKind: ModelKind = {
  name: 'dnn',
  description: 'DNN: mean of learned word + subword embeddings, one ReLU hidden layer, dropout, softmax; served as ONNX',
  defaults: { ...DNN_DEFAULTS },
  train: trainDnn,
  load(meta: ArtifactMeta, sections: ReadonlyMap<string, SectionArray>): OnnxClassifier {
    let params: DnnParams;
    try {
      params = parseDnnParams(meta.params);
    } catch (e) {
      throw new ArtifactError('artifact-bad-params', `dnn artifact has invalid params: ${(e as Error).message}`, { kind: 'dnn' }, undefined, { cause: e });
    }
    const onnx = sections.get('onnx');
    const vocabBytes = sections.get('vocab');
    if (!(onnx instanceof Uint8Array) || !(vocabBytes instanceof Uint8Array)) {
      throw new ArtifactError('artifact-bad-section', 'dnn artifact lacks its onnx or vocab section', { kind: 'dnn' });
    }
    const vocab = decodeVocab(vocabBytes);
    return dnnClassifier(meta.labels, params, vocab, importDnnWeights(dnnShape(params, vocab.length, meta.labels.length), onnx), onnx);
  },
};
