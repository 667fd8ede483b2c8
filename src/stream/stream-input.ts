import { decodeEntityKeys, type EntityKeys } from '../serving/entity-features.js';

/**
 * One input message of `lading stream`: JSON (`{"id", "text", "key"?, "entities"?}`, field names configurable)
 * or a plain UTF-8 text body, whose id is then the message's own (its Nats-Msg-Id, else its stream
 * and sequence). Decoding never throws: a message that cannot be classified says why, and the
 * worker sends it to the dead-letter subject.
 */
export interface StreamInput {
  readonly id: string;
  readonly text: string;
  /** Sticky assignment key (A/B by merchant, shipper...), when the message has one. */
  readonly key: string | undefined;
  /** The entities the text is about (`{"importer": "I42"}`), for models trained with entity features. */
  readonly entities?: EntityKeys | undefined;
}

export interface InputFields {
  readonly id: string;
  readonly text: string;
  readonly key: string;
  /** Default `entities`. */
  readonly entities?: string | undefined;
}

export const DEFAULT_INPUT_FIELDS: InputFields = { id: 'id', text: 'text', key: 'key', entities: 'entities' };

export type DecodedInput =
  | { readonly input: StreamInput; readonly reason?: undefined; readonly id?: undefined }
  /** `id`: the input's id when it could be read, for the dead letter. */
  | { readonly input?: undefined; readonly reason: string; readonly id?: string | undefined };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The message body as an input, or the reason it is not one. `messageId` is the id a plain-text body takes. */
export function decodeStreamInput(body: Uint8Array, messageId: string, fields: InputFields, maxTextChars: number): DecodedInput {
  let raw: string;
  try {
    raw = utf8.decode(body);
  } catch {
    return { reason: 'the body is not UTF-8 text' };
  }
  const start = firstNonSpace(raw);
  if (start < 0) return { reason: 'the body is empty' };
  if (raw.charCodeAt(start) !== 0x7b /* { */) return checked({ id: messageId, text: raw, key: undefined }, maxTextChars);
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (e) {
    return { reason: `the body starts with "{" but is not JSON: ${(e as Error).message}` };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return { reason: 'the JSON body is not an object' };
  const o = doc as Record<string, unknown>;
  const id = o[fields.id];
  if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') return { reason: `field "${fields.id}": expected a string or a number, got ${describe(id)}` };
  if (typeof id === 'string' && id.length === 0) return { reason: `field "${fields.id}": empty` };
  const inputId = id === undefined ? messageId : String(id);
  const text = o[fields.text];
  if (typeof text !== 'string') return { reason: `field "${fields.text}": expected a string, got ${describe(text)}`, id: inputId };
  const key = o[fields.key];
  if (key !== undefined && key !== null && typeof key !== 'string') return { reason: `field "${fields.key}": expected a string, got ${describe(key)}`, id: inputId };
  const entitiesField = fields.entities ?? 'entities';
  const rawEntities = o[entitiesField];
  let entities: EntityKeys | undefined;
  if (rawEntities !== undefined && rawEntities !== null) {
    try {
      entities = decodeEntityKeys(rawEntities, entitiesField);
    } catch (e) {
      return { reason: `field ${(e as Error).message}`, id: inputId };
    }
  }
  return checked({ id: inputId, text, key: typeof key === 'string' ? key : undefined, ...(entities ? { entities } : {}) }, maxTextChars);
}

function checked(input: StreamInput, maxTextChars: number): DecodedInput {
  if (input.text.trim().length === 0) return { reason: 'the text is empty', id: input.id };
  if (input.text.length > maxTextChars) return { reason: `the text has ${input.text.length} characters; at most ${maxTextChars}`, id: input.id };
  return { input };
}

function firstNonSpace(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
  }
  return -1;
}

const describe = (v: unknown): string => (v === undefined ? 'nothing' : v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);
