import type { UsedFeatures } from '../../serving/entity-features.js';
import type { PredictionEvent } from '../../serving/prediction-observers.js';
import { eventTopK } from '../../serving/prediction-observers.js';
import { answeredCode } from '../../serving/taxonomy-answers.js';
import { LOGGED_TOP_K, type LoggedPrediction, type RankedLabel } from './logged-prediction.js';

/**
 * Answered calls on their way from the server's event loop to the log's writer thread, packed in
 * columns: a handful of typed arrays and strings per batch instead of an object (and a cloned or
 * transferred buffer) per call, because postMessage's cost is per object and the server's event loop
 * is the one thread every request shares. The log keeps each text's LOGGED_TOP_K best classes, and
 * the serving threads rank them (the log observes with `reads: 'top', top: LOGGED_TOP_K`), so a
 * batch carries 5 (id, score) pairs per text, not the probability rows: with rows, every answer of
 * a 1,200-class model sent 4.8 KB per text from the serving thread through the HTTP thread's heap
 * while the log was on. Hashing, text statistics, rows and the store happen in rowsOfBatch, over there.
 */
export interface LogBatch {
  /** Calls in the batch, and texts (rows). */
  readonly calls: number;
  readonly texts: number;
  /** Distinct "endpoint, variant, role, model, version, sha256, logText" of the batch's calls (see CallKey). */
  readonly keys: readonly CallKey[];
  /** Per call: its index in `keys`, its number of texts, latency, time, number of request ids. */
  readonly callKey: Int32Array;
  readonly callTexts: Int32Array;
  readonly callLatencyMs: Float64Array;
  readonly callAt: Float64Array;
  readonly callIds: Int32Array;
  /** Every call's request ids, in order, concatenated, and each one's length (one string to clone, not one per id). */
  readonly requestIdData: string;
  readonly requestIdLengths: Int32Array;
  /** Every text, concatenated, and each one's length: one string crosses the thread boundary, not thousands. */
  readonly textData: string;
  readonly textLengths: Int32Array;
  /** Each text's LOGGED_TOP_K best class ids and scores (stride LOGGED_TOP_K; a model with fewer classes fills its class count). */
  readonly rankIds: Int32Array;
  readonly rankScores: Float32Array;
  /** Label lists by model sha256, sent once per model per writer thread. */
  readonly labels: Readonly<Record<string, readonly string[]>>;
  /**
   * Each text's entity features as JSON (see LoggedPrediction.features), concatenated, and each
   * one's length (-1: the model takes no features).
   */
  readonly featureData: string;
  readonly featureLengths: Int32Array;
  /**
   * Under an active taxonomy: each text's answered code (LoggedPrediction.answered), concatenated,
   * and each one's length (-1: no taxonomy). Both absent when no call of the batch had one, so an
   * endpoint without a taxonomy pays nothing for them.
   */
  readonly answeredData?: string | undefined;
  readonly answeredLengths?: Int32Array | undefined;
}

export interface CallKey {
  readonly endpoint: string;
  readonly variant: string;
  readonly role: 'primary' | 'shadow';
  readonly model: string;
  readonly version: string;
  readonly modelSha256: string;
  readonly classes: number;
  /** False: the rows keep only the text's hash (the endpoint's `logText: false`). */
  readonly logText: boolean;
}

/** The batch being filled: each answer's ids, texts and ranked classes are copied in as it is observed; the event is not kept. */
export class BatchBuilder {
  private readonly keys: CallKey[] = [];
  private readonly keyIndex = new Map<ModelIdentityKey, Map<string, number>>();
  private readonly callKey: Int32Array;
  private readonly callTexts: Int32Array;
  private readonly callLatencyMs: Float64Array;
  private readonly callAt: Float64Array;
  private readonly callIds: Int32Array;
  private readonly requestIds: string[] = [];
  private readonly textList: string[] = [];
  private readonly textLengths: Int32Array;
  private readonly featureList: string[] = [];
  private readonly featureLengths: Int32Array;
  /** Made at the first answer under a taxonomy (see LogBatch.answeredLengths). */
  private answeredList: string[] | undefined;
  private answeredLengths: Int32Array | undefined;
  private readonly rankIds: Int32Array;
  private readonly rankScores: Float32Array;
  private readonly scratchIds = new Int32Array(LOGGED_TOP_K);
  private readonly scratchScores = new Float32Array(LOGGED_TOP_K);
  private readonly labels: Record<string, readonly string[]> = {};
  /** The previous answer's stream and its key index: a busy endpoint's answers come in runs of one stream. */
  private last: { model: ModelIdentityKey; endpoint: string; variant: string; role: string; logText: boolean; key: number } | undefined;
  calls = 0;
  texts = 0;

  /** `maxTexts` bounds calls and texts. */
  constructor(private readonly maxTexts: number) {
    this.callKey = new Int32Array(maxTexts);
    this.callTexts = new Int32Array(maxTexts);
    this.callLatencyMs = new Float64Array(maxTexts);
    this.callAt = new Float64Array(maxTexts);
    this.callIds = new Int32Array(maxTexts);
    this.textLengths = new Int32Array(maxTexts);
    this.featureLengths = new Int32Array(maxTexts);
    this.rankIds = new Int32Array(maxTexts * LOGGED_TOP_K);
    this.rankScores = new Float32Array(maxTexts * LOGGED_TOP_K);
  }

  /** Whether the event fits (a builder is made at least as large as its first event). */
  fits(e: PredictionEvent): boolean {
    return this.texts + e.texts.length <= this.maxTexts;
  }

  /** Copies what the log keeps of one answer. `sendLabels`: the writer thread has not seen this model yet. */
  add(e: PredictionEvent, logText: boolean, sendLabels: boolean): void {
    const c = this.calls++;
    this.callKey[c] = this.keyOf(e, logText);
    const n = e.texts.length;
    this.callTexts[c] = n;
    this.callLatencyMs[c] = e.latencyMs;
    this.callAt[c] = e.at;
    this.callIds[c] = e.requestIds.length;
    for (const id of e.requestIds) this.requestIds.push(id);
    for (let r = 0; r < n; r++) {
      const t = e.texts[r]!;
      this.textList.push(t);
      this.textLengths[this.texts + r] = t.length;
    }
    const features = e.features;
    for (let r = 0; r < n; r++) {
      if (features === undefined) { this.featureLengths[this.texts + r] = -1; continue; }
      const f = JSON.stringify(features[r] ?? null);
      this.featureList.push(f);
      this.featureLengths[this.texts + r] = f.length;
    }
    // Ranked in the serving thread (see the header); eventTopK ranks the rows only for an answer
    // ranked shallower than the log reads (none of lading's own: the log's subscription asks for 5).
    for (let r = 0; r < n; r++) {
      const got = eventTopK(e, r, LOGGED_TOP_K, this.scratchIds, this.scratchScores);
      const at = (this.texts + r) * LOGGED_TOP_K;
      for (let k = 0; k < got; k++) { this.rankIds[at + k] = this.scratchIds[k]!; this.rankScores[at + k] = this.scratchScores[k]!; }
    }
    if (e.taxonomy !== undefined) this.addAnswered(e.taxonomy, n);
    this.texts += n;
    if (sendLabels) this.labels[e.model.sha256] = e.model.labels;
  }

  private addAnswered(t: NonNullable<PredictionEvent['taxonomy']>, n: number): void {
    const list = this.answeredList ??= [];
    const lengths = this.answeredLengths ??= new Int32Array(this.maxTexts).fill(-1);
    for (let r = 0; r < n; r++) {
      const code = answeredCode(t, r);
      list.push(code);
      lengths[this.texts + r] = code.length;
    }
  }

  /** The finished batch (the builder is not used again). */
  seal(): LogBatch {
    const c = this.calls;
    return {
      calls: c, texts: this.texts, keys: this.keys,
      callKey: this.callKey.subarray(0, c), callTexts: this.callTexts.subarray(0, c), callLatencyMs: this.callLatencyMs.subarray(0, c),
      callAt: this.callAt.subarray(0, c), callIds: this.callIds.subarray(0, c),
      requestIdData: this.requestIds.join(''), requestIdLengths: Int32Array.from(this.requestIds, (id) => id.length),
      textData: this.textList.join(''), textLengths: this.textLengths.subarray(0, this.texts),
      rankIds: this.rankIds.subarray(0, this.texts * LOGGED_TOP_K), rankScores: this.rankScores.subarray(0, this.texts * LOGGED_TOP_K), labels: this.labels,
      featureData: this.featureList.join(''), featureLengths: this.featureLengths.subarray(0, this.texts),
      ...(this.answeredLengths === undefined ? {} : { answeredData: this.answeredList!.join(''), answeredLengths: this.answeredLengths.subarray(0, this.texts) }),
    };
  }

  private keyOf(e: PredictionEvent, logText: boolean): number {
    const l = this.last;
    if (l !== undefined && l.model === e.model && l.endpoint === e.endpoint && l.variant === e.variant && l.role === e.role && l.logText === logText) return l.key;
    const key = this.newKeyOf(e, logText);
    this.last = { model: e.model, endpoint: e.endpoint, variant: e.variant, role: e.role, logText, key };
    return key;
  }

  private newKeyOf(e: PredictionEvent, logText: boolean): number {
    // Looked up by the model identity object first: no string of the sha256 is built per answer.
    let byModel = this.keyIndex.get(e.model);
    if (!byModel) { byModel = new Map(); this.keyIndex.set(e.model, byModel); }
    const k = `${e.endpoint}\0${e.variant}\0${e.role}`;
    let ki = byModel.get(k);
    if (ki === undefined) {
      ki = this.keys.length;
      byModel.set(k, ki);
      this.keys.push({ endpoint: e.endpoint, variant: e.variant, role: e.role, model: e.model.name, version: e.model.version,
        modelSha256: e.model.sha256, classes: e.model.labels.length, logText });
    }
    return ki;
  }
}

type ModelIdentityKey = PredictionEvent['model'];

/** Packs events into one batch in one go (tests, tools): a BatchBuilder of exactly their size. */
export function packBatch(events: readonly PredictionEvent[], logText: (endpoint: string) => boolean, sendLabels = true): LogBatch {
  let texts = 0;
  for (const e of events) texts += e.texts.length;
  const b = new BatchBuilder(Math.max(1, texts));
  for (const e of events) b.add(e, logText(e.endpoint), sendLabels);
  return b.seal();
}

/** The ArrayBuffers a batch hands over without copying. */
export function transferablesOf(batch: LogBatch): ArrayBuffer[] {
  const arrays = [batch.callKey, batch.callTexts, batch.callLatencyMs, batch.callAt, batch.callIds, batch.textLengths, batch.rankIds, batch.rankScores, batch.requestIdLengths, batch.featureLengths];
  if (batch.answeredLengths !== undefined) arrays.push(batch.answeredLengths);
  const buffers = arrays.map((a) => a.buffer as ArrayBuffer);
  return [...new Set(buffers)];
}

/**
 * Which request a text belongs to: one id for the call means one request of many texts (the text's
 * position in it); one id per text means one request per text (position 0); none means the caller
 * had no id ('').
 */
export function requestOf(ids: readonly string[], rows: number, row: number): { requestId: string; position: number } {
  if (ids.length > 1 && ids.length === rows) return { requestId: ids[row]!, position: 0 };
  return { requestId: ids[0] ?? '', position: row };
}
