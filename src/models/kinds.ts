import { InputError } from '../core/errors.js';
import type { ModelKind } from './classifier.js';

/** The model kinds this build knows, loaded on demand. Adding a kind = one folder + one line here. */
const KINDS: Readonly<Record<string, () => Promise<ModelKind>>> = {
  linear: async () => (await import('./linear/index.js')).linearKind,
  fasttext: async () => (await import('./fasttext/index.js')).fastTextKind,
  dnn: async () => (await import('./dnn/index.js')).dnnKind,
  lstm: async () => (await import('./lstm/index.js')).lstmKind,
  textcnn: async () => (await import('./textcnn/index.js')).textCnnKind,
  onnx: async () => (await import('./onnx/index.js')).onnxKind,
  ensemble: async () => (await import('./ensemble/index.js')).ensembleKind,
};

export const MODEL_KIND_NAMES: readonly string[] = Object.keys(KINDS);

export async function modelKind(name: string): Promise<ModelKind> {
  const load = KINDS[name];
  if (!load) {
    throw new InputError('unknown-model-kind', `unknown model kind "${name}"; known kinds: ${MODEL_KIND_NAMES.join(', ')}`, { kind: name });
  }
  return load();
}
