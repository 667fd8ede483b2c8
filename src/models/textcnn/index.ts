import { ArtifactError } from '../../core/errors.js';
import type { ArtifactMeta, SectionArray } from '../artifact.js';
import type { ModelKind } from '../classifier.js';
import { DEEP_PARAM_HELP } from '../deep/param-help.js';
import { decodeVocab, type OnnxClassifier } from '../onnx/onnx-classifier.js';
import { importTextCnnWeights } from './export-onnx.js';
import { textCnnClassifier, textCnnShape } from './model.js';
import { parseTextCnnParams, TEXTCNN_DEFAULTS, type TextCnnParams } from './params.js';
import { trainTextCnn } from './train.js';

export { exportTextCnnOnnx } from './export-onnx.js';
export { TEXTCNN_DEFAULTS, parseTextCnnParams, type TextCnnParams } from './params.js';
export { trainTextCnn } from './train.js';

export const textCnnKind: ModelKind = {
  name: 'textcnn',
  description: 'Text-CNN (Kim 2014): learned word + subword embedding, convolutions of several widths, max-pool, dropout; served as ONNX',
  defaults: { ...TEXTCNN_DEFAULTS },
  paramHelp: {
    ...DEEP_PARAM_HELP,
    filters: 'convolution filters per width',
    widths: 'convolution widths in words, comma-separated',
    embeddingScale: 'standard deviation of the initial embedding rows',
    wordDropout: 'share of words whose embedding is zeroed in each training step',
    meanPool: '1 = the mean word vector joins the max-pooled filters',
  },
  refits: true,
  train: trainTextCnn,
  load(meta: ArtifactMeta, sections: ReadonlyMap<string, SectionArray>): OnnxClassifier {
    let params: TextCnnParams;
    try {
      // Artifacts written before bag mode existed have no bagMaxN: they are word-id models.
      params = parseTextCnnParams({ bagMaxN: 0, meanPool: 0, ...meta.params });
    } catch (e) {
      throw new ArtifactError('artifact-bad-params', `textcnn artifact has invalid params: ${(e as Error).message}`, { kind: 'textcnn' }, undefined, { cause: e });
    }
    const onnx = sections.get('onnx');
    const vocabBytes = sections.get('vocab');
    if (!(onnx instanceof Uint8Array) || !(vocabBytes instanceof Uint8Array)) {
      throw new ArtifactError('artifact-bad-section', 'textcnn artifact lacks its onnx or vocab section', { kind: 'textcnn' });
    }
    const vocab = decodeVocab(vocabBytes);
    const weights = importTextCnnWeights(textCnnShape(params, vocab.length, meta.labels.length), onnx);
    return textCnnClassifier(meta.labels, params, vocab, weights, onnx);
  },
};
