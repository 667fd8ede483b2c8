import { ArtifactError } from '../../core/errors.js';
import type { ArtifactMeta, SectionArray } from '../artifact.js';
import type { ModelKind } from '../classifier.js';
import { decodeVocab, type OnnxClassifier } from '../onnx/onnx-classifier.js';
import { importLstmWeights } from './export-onnx.js';
import { lstmClassifier, lstmShape } from './model.js';
import { LSTM_DEFAULTS, parseLstmParams, type LstmParams } from './params.js';
import { trainLstm } from './train.js';

export { LSTM_DEFAULTS, parseLstmParams, type LstmParams } from './params.js';
export { trainLstm } from './train.js';

export const lstmKind: ModelKind = {
  name: 'lstm',
  description: 'LSTM: one recurrent layer over learned word + subword embeddings, last state, dropout, softmax; served as ONNX',
  defaults: { ...LSTM_DEFAULTS },
  train: trainLstm,
  load(meta: ArtifactMeta, sections: ReadonlyMap<string, SectionArray>): OnnxClassifier {
    let params: LstmParams;
    try {
      params = parseLstmParams(meta.params);
    } catch (e) {
      throw new ArtifactError('artifact-bad-params', `lstm artifact has invalid params: ${(e as Error).message}`, { kind: 'lstm' }, undefined, { cause: e });
    }
    const onnx = sections.get('onnx');
    const vocabBytes = sections.get('vocab');
    if (!(onnx instanceof Uint8Array) || !(vocabBytes instanceof Uint8Array)) {
      throw new ArtifactError('artifact-bad-section', 'lstm artifact lacks its onnx or vocab section', { kind: 'lstm' });
    }
    const vocab = decodeVocab(vocabBytes);
    return lstmClassifier(meta.labels, params, vocab, importLstmWeights(lstmShape(params, vocab.length, meta.labels.length), onnx), onnx);
  },
};
