import { ArtifactError, InputError } from '../../core/errors.js';
import type { ArtifactMeta, SectionArray } from '../artifact.js';
import type { ModelKind } from '../classifier.js';
import { decodeVocab, OnnxClassifier } from './onnx-classifier.js';
import { parseTokenizerSpec, TokenEncoder } from './token-encoder.js';

export { importOnnx, type ImportedOnnx, type ImportOnnxInput } from './import-onnx.js';
export { OnnxClassifier } from './onnx-classifier.js';
export { parseTokenizerSpec, TokenEncoder, type TokenizerSpec } from './token-encoder.js';

/** Models trained elsewhere and imported with `lading import-onnx`; served through onnxruntime only. */
export const onnxKind: ModelKind = {
  name: 'onnx',
  description: 'a model imported from ONNX (e.g. PyTorch) with declarative token-id preprocessing; not trainable here',
  defaults: {},
  train(): Promise<never> {
    return Promise.reject(new InputError('onnx-not-trainable', 'onnx models are imported, not trained by lading', { kind: 'onnx' },
      'Use `lading import-onnx MODEL.onnx --tokenizer SPEC.json --labels FILE`.'));
  },
  load(meta: ArtifactMeta, sections: ReadonlyMap<string, SectionArray>): OnnxClassifier {
    const onnx = sections.get('onnx');
    const vocab = sections.get('vocab');
    if (!(onnx instanceof Uint8Array) || !(vocab instanceof Uint8Array)) {
      throw new ArtifactError('artifact-bad-section', 'onnx artifact lacks its onnx or vocab section', { kind: 'onnx' });
    }
    let spec;
    try {
      spec = parseTokenizerSpec((meta.featuriser as { spec?: unknown }).spec, 'artifact featuriser');
    } catch (e) {
      throw new ArtifactError('artifact-bad-params', `onnx artifact has an invalid tokenizer spec: ${(e as Error).message}`, { kind: 'onnx' }, undefined, { cause: e });
    }
    return new OnnxClassifier({ kind: 'onnx', labels: meta.labels, encoder: new TokenEncoder(spec, decodeVocab(vocab)), onnx, params: { ...meta.params } });
  },
};
