import type { UsedFeatures } from '../../serving/entity-features.js';
import { MAX_TOKEN_HASHES } from '../text-stats.js';
import type { CallKey, LogBatch } from './log-batch.js';
import { LOGGED_TOP_K, type LoggedPrediction, type RankedLabel } from './logged-prediction.js';
import { textFacts } from './text-facts.js';

/**
 * A batch's log rows as columns: what rowsOfBatch derives per text (its request id and position,
 * time, the text's sha256 and statistics), in arrays indexed by row, with nothing made per row but
 * the strings themselves. The SQLite log writes a segment from these directly (its segment is
 * columns too); a row object per text, made and dropped again a moment later, was most of the
 * writer thread's garbage. rowsOfBatch builds its objects from the same columns, so both ways of
 * writing store the same values.
 */
export interface LoggedColumns {
  readonly rows: number;
  /** The batch the columns came from: its keys, ranked ids and scores (row r at r * LOGGED_TOP_K). */
  readonly batch: LogBatch;
  /** Each key's label list (rank ids index it). */
  readonly labelLists: readonly (readonly string[])[];
  /** Per row: the index of its call's key in batch.keys, and its call. */
  readonly key: Int32Array;
  readonly call: Int32Array;
  readonly position: Int32Array;
  readonly requestId: readonly string[];
  /** The raw text (kept whatever the key's logText says: a writer drops it where the key says so). */
  readonly text: readonly string[];
  readonly textSha256: readonly string[];
  /** TextStats as columns; row r's token hashes are hashes[hashStart[r] .. hashStart[r + 1]). */
  readonly chars: Int32Array;
  readonly tokens: Int32Array;
  readonly digits: Int32Array;
  readonly upper: Int32Array;
  readonly nonAscii: Int32Array;
  readonly hashStart: Uint32Array;
  readonly hashes: Uint32Array;
  /** LoggedPrediction.features as its JSON (undefined: the model takes no features). */
  readonly featureJson: readonly (string | undefined)[];
  /** LoggedPrediction.answered (undefined: no taxonomy). */
  readonly answered: readonly (string | undefined)[];
}

/** How many of a row's LOGGED_TOP_K rank slots hold classes. */
export function rankedOf(key: CallKey): number {
  return Math.min(LOGGED_TOP_K, key.classes);
}

const statCounts = new Int32Array(4);

/** The columns of a batch. `labelsOf` knows every model's labels (those in batch.labels included). */
export function columnsOfBatch(batch: LogBatch, labelsOf: (sha256: string) => readonly string[] | undefined): LoggedColumns {
  const n = batch.texts;
  const labelLists = batch.keys.map((k) => {
    const labels = batch.labels[k.modelSha256] ?? labelsOf(k.modelSha256);
    if (labels === undefined) throw new Error(`prediction log: no labels known for model ${k.modelSha256}`);
    return labels;
  });
  const key = new Int32Array(n); const call = new Int32Array(n); const position = new Int32Array(n);
  const requestId: string[] = new Array(n); const text: string[] = new Array(n); const textSha256: string[] = new Array(n);
  const chars = new Int32Array(n); const tokens = new Int32Array(n); const digits = new Int32Array(n); const upper = new Int32Array(n); const nonAscii = new Int32Array(n);
  const hashStart = new Uint32Array(n + 1);
  let hashes = new Uint32Array(Math.max(64, n * 12));
  const featureJson: (string | undefined)[] = new Array(n);
  const answered: (string | undefined)[] = new Array(n);
  const answeredLengths = batch.answeredLengths;
  const ids: string[] = [];
  let row = 0; let id = 0; let idOffset = 0; let offset = 0; let featureOffset = 0; let answeredOffset = 0; let h = 0;
  for (let c = 0; c < batch.calls; c++) {
    const k = batch.callKey[c]!;
    const rows = batch.callTexts[c]!;
    ids.length = batch.callIds[c]!;
    for (let i = 0; i < ids.length; i++, id++) {
      const len = batch.requestIdLengths[id]!;
      ids[i] = batch.requestIdData.slice(idOffset, idOffset += len);
    }
    // requestOf (log-batch.ts), inline: one id per text, else the call's one id and the text's position.
    const perText = ids.length > 1 && ids.length === rows;
    for (let r = 0; r < rows; r++, row++) {
      key[row] = k; call[row] = c;
      requestId[row] = perText ? ids[r]! : ids[0] ?? '';
      position[row] = perText ? 0 : r;
      const end = offset + batch.textLengths[row]!;
      text[row] = batch.textData.slice(offset, end);
      if (hashes.length < h + MAX_TOKEN_HASHES) { const grown = new Uint32Array(hashes.length * 2); grown.set(hashes); hashes = grown; }
      hashStart[row] = h;
      const facts = textFacts(batch.textData, offset, end, statCounts, hashes, h);
      textSha256[row] = facts.sha256;
      h += facts.kept;
      chars[row] = end - offset;
      offset = end; tokens[row] = statCounts[0]!; digits[row] = statCounts[1]!; upper[row] = statCounts[2]!; nonAscii[row] = statCounts[3]!;
      const featureLength = batch.featureLengths[row]!;
      featureJson[row] = featureLength < 0 ? undefined : batch.featureData.slice(featureOffset, featureOffset += featureLength);
      const answeredLength = answeredLengths === undefined ? -1 : answeredLengths[row]!;
      answered[row] = answeredLength < 0 ? undefined : batch.answeredData!.slice(answeredOffset, answeredOffset += answeredLength);
    }
  }
  hashStart[n] = h;
  return { rows: n, batch, labelLists, key, call, position, requestId, text, textSha256, chars, tokens, digits, upper, nonAscii,
    hashStart, hashes: hashes.subarray(0, h), featureJson, answered };
}

/** The log rows of a batch. `labelsOf` knows every model's labels (those in batch.labels included). */
export function rowsOfBatch(batch: LogBatch, labelsOf: (sha256: string) => readonly string[] | undefined): LoggedPrediction[] {
  return rowsOfColumns(columnsOfBatch(batch, labelsOf));
}

/** The columns' rows as objects (the form PostgreSQL's log and the tools take). */
export function rowsOfColumns(cols: LoggedColumns): LoggedPrediction[] {
  const { batch } = cols;
  const out: LoggedPrediction[] = new Array(cols.rows);
  for (let row = 0; row < cols.rows; row++) {
    const c = cols.call[row]!;
    const key = batch.keys[cols.key[row]!]!;
    const labels = cols.labelLists[cols.key[row]!]!;
    const ranked = rankedOf(key);
    const topK: RankedLabel[] = new Array(ranked);
    for (let k = 0, at = row * LOGGED_TOP_K; k < ranked; k++, at++) topK[k] = { label: labels[batch.rankIds[at]!]!, score: batch.rankScores[at]! };
    const json = cols.featureJson[row];
    const answered = cols.answered[row];
    const text = cols.text[row]!;
    const h0 = cols.hashStart[row]!;
    const h1 = cols.hashStart[row + 1]!;
    const r: { -readonly [K in keyof LoggedPrediction]: LoggedPrediction[K] } = {
      requestId: cols.requestId[row]!, position: cols.position[row]!, at: batch.callAt[c]!, endpoint: key.endpoint, variant: key.variant, role: key.role,
      model: key.model, version: key.version, modelSha256: key.modelSha256,
      text: key.logText ? text : null, textSha256: cols.textSha256[row]!,
      label: topK[0]?.label ?? '', score: topK[0]?.score ?? 0, topK, latencyMs: batch.callLatencyMs[c]!,
      stats: { chars: cols.chars[row]!, tokens: cols.tokens[row]!, digits: cols.digits[row]!, upper: cols.upper[row]!, nonAscii: cols.nonAscii[row]!,
        tokenHashes: cols.hashes.slice(h0, h1) },
    };
    if (json !== undefined) r.features = JSON.parse(json) as UsedFeatures;
    if (answered !== undefined) r.answered = answered;
    out[row] = r;
  }
  return out;
}
