import { InputError } from '../../core/errors.js';
import type { LoggedColumns } from '../log/batch-columns.js';
import { LOGGED_TOP_K, type LoggedPrediction } from '../log/logged-prediction.js';
import { LABEL_SEPARATOR } from './prediction-codec.js';
import type { AlertEventRecord, FeedbackRecord } from './monitoring-store.js';

/**
 * Checks every row of a batch before either adapter writes any of it, so a bad row is reported by
 * its index and field (not as a driver's constraint message) and the batch changes nothing. Cheap
 * enough for the hot path: a few typeof tests per field, no allocation.
 */
export function checkPredictionRows(rows: readonly LoggedPrediction[]): void {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const bad = badPredictionField(r);
    if (bad !== undefined) {
      throw new InputError('bad-logged-prediction', `prediction log row ${i} of ${rows.length}: field "${bad}" is missing or invalid, so none of the batch was stored`,
        { row: i, field: bad, rows: rows.length, requestId: typeof r?.requestId === 'string' ? r.requestId : undefined },
        'Strings must be strings, numbers finite (times and counts whole), role "primary" or "shadow", topK 1..5 entries, stats.tokenHashes a Uint32Array.');
    }
  }
}

/**
 * checkPredictionRows for the log writer's columns: what a row check could find wrong in rows built
 * from the server's own batch is its call's time or latency and its key's names and labels, so those
 * are checked once per call and per key, and a bad one is reported at its call's first row.
 */
export function checkLoggedColumns(cols: LoggedColumns): void {
  const { batch } = cols;
  const fail = (row: number, field: string): never => {
    throw new InputError('bad-logged-prediction', `prediction log row ${row} of ${cols.rows}: field "${field}" is missing or invalid, so none of the batch was stored`,
      { row, field, rows: cols.rows, requestId: cols.requestId[row] }, 'Times must be whole epoch milliseconds, latencies finite, every model label free of the label separator.');
  };
  const firstRowOfKey = new Int32Array(batch.keys.length).fill(-1);
  let row = 0;
  for (let c = 0; c < batch.calls; c++) {
    if (!isInt(batch.callAt[c])) fail(row, 'at');
    if (!isNum(batch.callLatencyMs[c])) fail(row, 'latencyMs');
    const k = batch.callKey[c]!;
    if (firstRowOfKey[k]! < 0) firstRowOfKey[k] = row;
    row += batch.callTexts[c]!;
  }
  batch.keys.forEach((key, k) => {
    const at = Math.max(0, firstRowOfKey[k]!);
    if (key.endpoint === '') fail(at, 'endpoint');
    if (key.role !== 'primary' && key.role !== 'shadow') fail(at, 'role');
    if (key.classes < 1) fail(at, 'topK');
    if (!labelsChecked.has(cols.labelLists[k]!)) {
      if (cols.labelLists[k]!.some((l) => typeof l !== 'string' || l.includes(LABEL_SEPARATOR))) fail(at, 'topK');
      labelsChecked.add(cols.labelLists[k]!);
    }
  });
}

/** Label lists already found clean: a model's list is checked once, not with every batch. */
const labelsChecked = new WeakSet<readonly string[]>();

const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isCount = (v: unknown): boolean => isInt(v) && (v as number) >= 0;

function badPredictionField(r: LoggedPrediction | undefined): string | undefined {
  if (r === null || typeof r !== 'object') return 'row';
  if (!isStr(r.requestId)) return 'requestId';
  if (!isCount(r.position)) return 'position';
  if (!isInt(r.at)) return 'at';
  if (!isStr(r.endpoint) || r.endpoint === '') return 'endpoint';
  if (!isStr(r.variant)) return 'variant';
  if (r.role !== 'primary' && r.role !== 'shadow') return 'role';
  if (!isStr(r.model)) return 'model';
  if (!isStr(r.version)) return 'version';
  if (!isStr(r.modelSha256)) return 'modelSha256';
  if (r.text !== null && !isStr(r.text)) return 'text';
  if (!isStr(r.textSha256)) return 'textSha256';
  if (!isStr(r.label)) return 'label';
  if (!isNum(r.score)) return 'score';
  if (!Array.isArray(r.topK) || r.topK.length === 0 || r.topK.length > LOGGED_TOP_K) return 'topK';
  for (const k of r.topK) {
    if (k === null || typeof k !== 'object' || !isStr(k.label) || k.label.includes(LABEL_SEPARATOR) || !isNum(k.score)) return 'topK';
  }
  if (!isNum(r.latencyMs)) return 'latencyMs';
  const s = r.stats;
  if (s === null || typeof s !== 'object') return 'stats';
  if (!isCount(s.chars)) return 'stats.chars';
  if (!isCount(s.tokens)) return 'stats.tokens';
  if (!isCount(s.digits)) return 'stats.digits';
  if (!isCount(s.upper)) return 'stats.upper';
  if (!isCount(s.nonAscii)) return 'stats.nonAscii';
  if (!(s.tokenHashes instanceof Uint32Array)) return 'stats.tokenHashes';
  const f: unknown = r.features;
  if (f !== undefined && f !== null) {
    if (typeof f !== 'object' || Array.isArray(f)) return 'features';
    for (const v of Object.values(f)) if (v !== null && !isStr(v) && !isNum(v) && typeof v !== 'boolean') return 'features';
  }
  if (r.answered !== undefined && !isStr(r.answered)) return 'answered';
  return undefined;
}

export function checkFeedbackRecords(records: readonly FeedbackRecord[]): void {
  for (let i = 0; i < records.length; i++) {
    const f = records[i]!;
    const bad = badFeedbackField(f);
    if (bad !== undefined) {
      throw new InputError('bad-feedback-record', `feedback record ${i} of ${records.length}: field "${bad}" is missing or invalid, so none of them was stored`,
        { row: i, field: bad, rows: records.length }, 'Times are whole epoch milliseconds; label and source non-empty strings; prediction null or complete.');
    }
  }
}

function badFeedbackField(f: FeedbackRecord | undefined): string | undefined {
  if (f === null || typeof f !== 'object') return 'record';
  if (!isStr(f.endpoint) || f.endpoint === '') return 'endpoint';
  if (!isInt(f.time)) return 'time';
  if (!isInt(f.receivedAt)) return 'receivedAt';
  if (!isStr(f.label) || f.label === '') return 'label';
  if (!isStr(f.source)) return 'source';
  if (f.requestId !== null && !isStr(f.requestId)) return 'requestId';
  if (f.position !== null && !isCount(f.position)) return 'position';
  if (f.text !== null && !isStr(f.text)) return 'text';
  if (!isStr(f.textSha256)) return 'textSha256';
  if (typeof f.newClass !== 'boolean') return 'newClass';
  const p = f.prediction;
  if (p === null) return undefined;
  if (typeof p !== 'object') return 'prediction';
  if (!isInt(p.seq)) return 'prediction.seq';
  if (!isStr(p.variant)) return 'prediction.variant';
  if (!isStr(p.model)) return 'prediction.model';
  if (!isStr(p.version)) return 'prediction.version';
  if (!isStr(p.modelSha256)) return 'prediction.modelSha256';
  if (!isStr(p.label)) return 'prediction.label';
  if (!isNum(p.score)) return 'prediction.score';
  if (!isInt(p.at)) return 'prediction.at';
  return undefined;
}

export function checkAlertEvent(e: AlertEventRecord): void {
  const bad = e === null || typeof e !== 'object' ? 'event'
    : !isStr(e.id) || e.id === '' ? 'id'
    : e.state !== 'fired' && e.state !== 'resolved' ? 'state'
    : !isStr(e.rule) ? 'rule'
    : !isStr(e.endpoint) ? 'endpoint'
    : e.variant !== null && !isStr(e.variant) ? 'variant'
    : !isInt(e.at) ? 'at'
    : !isNum(e.value) ? 'value'
    : !isNum(e.threshold) ? 'threshold'
    : !isStr(e.message) ? 'message'
    : undefined;
  if (bad !== undefined) {
    throw new InputError('bad-alert-event', `alert event: field "${bad}" is missing or invalid; it was not recorded`,
      { field: bad, id: typeof e?.id === 'string' ? e.id : undefined }, 'Times are whole epoch milliseconds; value and threshold finite numbers.');
  }
}

export function checkProfile(modelSha256: string, profileJson: string): void {
  if (!isStr(modelSha256) || modelSha256 === '') throw new InputError('bad-profile', 'reference profile: modelSha256 must be a non-empty string', {});
  if (!isStr(profileJson)) throw new InputError('bad-profile', `reference profile of ${modelSha256}: the profile must be JSON text`, { modelSha256 });
}
