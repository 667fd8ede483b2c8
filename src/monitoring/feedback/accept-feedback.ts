import { InputError } from '../../core/errors.js';
import { answeredLabel, type StoredPrediction } from '../log/logged-prediction.js';
import { textSha256 } from '../log/text-key.js';
import type { FeedbackRecord, FeedbackStore, PredictionLogStore } from '../store/monitoring-store.js';

/** One correction as a client or a file gives it (unvalidated). */
export interface FeedbackItemInput {
  readonly requestId?: unknown;
  readonly position?: unknown;
  readonly text?: unknown;
  readonly label?: unknown;
  readonly time?: unknown;
  readonly source?: unknown;
}

/** How an item is named in errors: `items[3].label` for the API, `file.csv: line 5, column "label"` for a file. */
export interface ItemLocator {
  /** The words naming item `index`'s `field`. */
  where(index: number, field: string): string;
  /** The facts an error about it carries. */
  facts(index: number, field: string): Record<string, string | number>;
}

export const API_ITEMS: ItemLocator = {
  where: (i, field) => `items[${i}].${field}`,
  facts: (i, field) => ({ item: i, field: `items[${i}].${field}` }),
};

export interface AcceptFeedbackOptions {
  readonly store: PredictionLogStore & FeedbackStore;
  /** The endpoint of every item (required for items joined by text; checked against items joined by id). */
  readonly endpoint?: string | undefined;
  /** Makes every answer given so far findable in the log (the serving process's log writer), before any join. */
  readonly flushLog?: () => Promise<void>;
  /** The labels of the model that answered, to flag a label outside them as a new class; undefined when unknown. */
  readonly labelsOf?: (p: StoredPrediction) => Promise<readonly string[] | undefined> | readonly string[] | undefined;
  /** The `source` of items that name none ('api', a file name). */
  readonly defaultSource: string;
  readonly locate?: ItemLocator;
  readonly now?: number;
}

export interface AcceptedFeedback {
  readonly ids: number[];
  readonly accepted: number;
  /** How each item was joined to a prediction. */
  readonly joinedById: number;
  readonly joinedByText: number;
  readonly unjoined: number;
  /** Indices of items whose label the answering model does not know (accepted, flagged newClass). */
  readonly newClass: number[];
}

const MAX_LABEL = 1000;
const MAX_SOURCE = 200;
const MAX_TEXT = 100_000;

interface Checked {
  readonly requestId: string | undefined;
  readonly position: number;
  readonly text: string | undefined;
  readonly label: string;
  readonly time: number | undefined;
  readonly source: string;
}

/**
 * Validates a batch of corrections, joins each to the prediction it corrects (by request id, else by
 * normalised text: the most recent primary answer of that text on the endpoint), and stores them
 * all in one durable transaction. Any bad item (unknown request id, empty label, neither request id
 * nor text, bad time...) is an InputError naming the item and field, and nothing is stored.
 */
export async function acceptFeedback(items: readonly FeedbackItemInput[], options: AcceptFeedbackOptions): Promise<AcceptedFeedback> {
  const locate = options.locate ?? API_ITEMS;
  const bad = (i: number, field: string, code: string, problem: string, hint?: string) =>
    new InputError(code, `${locate.where(i, field)}: ${problem}`, locate.facts(i, field), hint);
  if (items.length === 0) throw new InputError('no-feedback', 'no feedback items were given', { field: 'items' }, 'Send {"items": [{"requestId": "...", "label": "..."}]}.');
  const endpoint = options.endpoint;
  const checked = items.map((item, i) => checkItem(item, i, bad, options.defaultSource));
  if (endpoint === undefined) {
    const i = checked.findIndex((c) => c.requestId === undefined);
    if (i >= 0) {
      throw bad(i, 'text', 'missing-endpoint', 'an item joined by its text needs the endpoint it was predicted on',
        'Name it: {"endpoint": "E", "items": [...]} (lading feedback import: --endpoint E).');
    }
  }
  await options.flushLog?.();
  const now = options.now ?? Date.now();
  const records: FeedbackRecord[] = [];
  const newClass: number[] = [];
  let byId = 0;
  let byText = 0;
  const labelCache = new Map<string, readonly string[] | undefined>();
  for (let i = 0; i < checked.length; i++) {
    const c = checked[i]!;
    let prediction: StoredPrediction | undefined;
    const sha = c.text !== undefined ? textSha256(c.text) : undefined;
    if (c.requestId !== undefined) {
      prediction = await options.store.findByRequestId(c.requestId, c.position);
      if (prediction === undefined) {
        throw bad(i, 'requestId', 'unknown-request-id', `no logged prediction has request id "${c.requestId}"${c.position > 0 ? ` at position ${c.position}` : ''}`,
          'Use the requestId (REST) or id (OIP) a prediction answered with; predictions older than the log retention are gone. Send the text instead to join by text.');
      }
      if (endpoint !== undefined && prediction.endpoint !== endpoint) {
        throw bad(i, 'requestId', 'endpoint-mismatch', `request id "${c.requestId}" was answered by endpoint "${prediction.endpoint}", not "${endpoint}"`);
      }
      byId++;
    } else {
      prediction = await options.store.findLatestByText(endpoint!, sha!, now);
      if (prediction !== undefined) byText++;
    }
    let isNew = false;
    if (prediction !== undefined && options.labelsOf) {
      const key = prediction.modelSha256;
      if (!labelCache.has(key)) labelCache.set(key, await options.labelsOf(prediction));
      const labels = labelCache.get(key);
      // Under a remap the endpoint answers codes the model does not know: the code it answered is no new class.
      isNew = labels !== undefined && !labels.includes(c.label) && c.label !== prediction.answered;
    }
    if (isNew) newClass.push(i);
    records.push({
      endpoint: prediction?.endpoint ?? endpoint!,
      time: c.time ?? now, receivedAt: now, label: c.label, source: c.source,
      requestId: c.requestId ?? prediction?.requestId ?? null,
      position: c.requestId !== undefined ? c.position : prediction?.position ?? null,
      text: c.text ?? prediction?.text ?? null,
      textSha256: sha ?? prediction!.textSha256,
      prediction: prediction === undefined ? null : {
        seq: prediction.seq, variant: prediction.variant, model: prediction.model, version: prediction.version,
        // What the caller was answered (under a remap, the new code), so real accuracy compares like with like.
        modelSha256: prediction.modelSha256, label: answeredLabel(prediction), score: prediction.score, at: prediction.at,
      },
      newClass: isNew,
    });
  }
  const ids = await options.store.addFeedback(records);
  return { ids, accepted: records.length, joinedById: byId, joinedByText: byText, unjoined: records.length - byId - byText, newClass };
}

type Bad = (i: number, field: string, code: string, problem: string, hint?: string) => InputError;

function checkItem(item: FeedbackItemInput, i: number, bad: Bad, defaultSource: string): Checked {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw bad(i, '', 'bad-feedback-item', 'an item must be an object {requestId | text, label, time?, source?}');
  }
  let requestId: string | undefined;
  if (item.requestId !== undefined && item.requestId !== null && item.requestId !== '') {
    if (typeof item.requestId !== 'string' || item.requestId.length > 128) throw bad(i, 'requestId', 'bad-request-id', 'must be a string of at most 128 characters');
    requestId = item.requestId;
  }
  let position = 0;
  if (item.position !== undefined && item.position !== null) {
    if (typeof item.position !== 'number' || !Number.isInteger(item.position) || item.position < 0) {
      throw bad(i, 'position', 'bad-position', `must be a whole number >= 0 (the text's index in its request), got ${JSON.stringify(item.position)}`);
    }
    position = item.position;
  }
  let text: string | undefined;
  // An empty text beside a request id is no text (a file's empty cell); alone, it is an error.
  if (item.text !== undefined && item.text !== null && !(requestId !== undefined && item.text === '')) {
    if (typeof item.text !== 'string') throw bad(i, 'text', 'bad-text', 'must be a string');
    if (item.text.trim() === '') throw bad(i, 'text', 'empty-text', 'the text is empty; it cannot be joined to a prediction');
    if (item.text.length > MAX_TEXT) throw bad(i, 'text', 'bad-text', `is longer than ${MAX_TEXT} characters`);
    text = item.text;
  }
  if (requestId === undefined && text === undefined) {
    throw bad(i, 'requestId', 'missing-join-key', 'an item needs a requestId (what the prediction answered with) or the text that was classified');
  }
  let label: string;
  if (typeof item.label === 'string') label = item.label.trim();
  else if (typeof item.label === 'number' && Number.isFinite(item.label)) label = String(item.label);
  else if (item.label === undefined || item.label === null) throw bad(i, 'label', 'missing-label', 'the label is missing');
  else throw bad(i, 'label', 'bad-label', `must be a string, got ${typeof item.label}`);
  if (label === '') throw bad(i, 'label', 'empty-label', 'the label is empty');
  if (label.length > MAX_LABEL) throw bad(i, 'label', 'bad-label', `is longer than ${MAX_LABEL} characters`);
  let time: number | undefined;
  if (item.time !== undefined && item.time !== null && item.time !== '') {
    time = typeof item.time === 'number' && Number.isFinite(item.time) && item.time > 0 ? item.time
      : typeof item.time === 'string' && /^\d{4}-\d{2}-\d{2}/.test(item.time.trim()) ? Date.parse(item.time.trim()) : Number.NaN;
    if (!Number.isFinite(time)) {
      throw bad(i, 'time', 'bad-time', `must be an ISO-8601 time (2026-12-04T18:00:00Z) or epoch milliseconds, got ${JSON.stringify(item.time)}`);
    }
  }
  let source = defaultSource;
  if (item.source !== undefined && item.source !== null && item.source !== '') {
    if (typeof item.source !== 'string' || item.source.length > MAX_SOURCE) throw bad(i, 'source', 'bad-source', `must be a string of at most ${MAX_SOURCE} characters`);
    source = item.source;
  }
  return { requestId, position, text, label, time, source };
}

/** What a process that accepts feedback provides: its store, and (a serving process) its log flush and model labels. */
export type FeedbackTarget = Pick<AcceptFeedbackOptions, 'store' | 'flushLog' | 'labelsOf'>;
