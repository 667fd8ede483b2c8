import { InputError } from '../../core/errors.js';
import type { ModelKind } from '../classifier.js';
import { fastTextKind } from '../fasttext/index.js';
import { linearKind } from '../linear/index.js';

/**
 * The kinds an ensemble can hold. Loading is synchronous (ModelKind.load), so they are imported
 * here rather than through kinds.ts's lazy table; only kinds that predict synchronously on the
 * calling thread qualify (the ONNX-served deep kinds predict asynchronously).
 */
const MEMBER_KINDS: Readonly<Record<string, ModelKind>> = { linear: linearKind, fasttext: fastTextKind };

export const MEMBER_KIND_NAMES: readonly string[] = Object.keys(MEMBER_KINDS);

export function memberKind(name: string): ModelKind {
  const kind = MEMBER_KINDS[name];
  if (!kind) {
    throw new InputError('bad-param', `ensemble member "${name}" is not a kind an ensemble can hold; choose among ${MEMBER_KIND_NAMES.join(', ')}`,
      { param: 'members', value: name }, `Pass --param members=${MEMBER_KIND_NAMES.join(',')} or a subset.`);
  }
  return kind;
}
