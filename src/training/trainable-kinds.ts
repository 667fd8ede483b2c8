import { InputError } from '../core/errors.js';
import type { ModelKind } from '../models/classifier.js';
import { MODEL_KIND_NAMES, modelKind } from '../models/kinds.js';

/** Kinds whose artifacts come from elsewhere (`lading import-onnx`): loadable and servable, never trained here. */
const IMPORTED_KINDS: ReadonlySet<string> = new Set(['onnx']);

/** The kinds `lading train` (and the training pipeline) can fit, in the order the build lists them. */
export const TRAINABLE_KIND_NAMES: readonly string[] = MODEL_KIND_NAMES.filter((k) => !IMPORTED_KINDS.has(k));

/** The kind to train; an imported-only or unknown kind is an InputError listing the trainable ones. */
export async function trainableKind(name: string): Promise<ModelKind> {
  if (IMPORTED_KINDS.has(name)) {
    throw new InputError('kind-not-trainable', `model kind "${name}" is imported, not trained by lading; trainable kinds: ${TRAINABLE_KIND_NAMES.join(', ')}`,
      { kind: name }, 'Bring an ONNX model in with `lading import-onnx MODEL.onnx --tokenizer SPEC.json --labels FILE (--out PATH | --register NAME)`.');
  }
  if (!MODEL_KIND_NAMES.includes(name)) {
    throw new InputError('unknown-model-kind', `unknown model kind "${name}"; trainable kinds: ${TRAINABLE_KIND_NAMES.join(', ')}`, { kind: name });
  }
  return modelKind(name);
}
