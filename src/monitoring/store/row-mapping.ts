import type { StoredPrediction } from '../log/logged-prediction.js';
import type { AlertEventRecord, StoredFeedback } from './monitoring-store.js';
import { decodeTokenHashes, decodeTopK } from './prediction-codec.js';

/**
 * Rows as both adapters read them (same column names on both). Numbers go through Number(): the
 * PostgreSQL driver returns bigint columns (seq, at) as strings, SQLite as numbers.
 */
export interface PredictionRow {
  seq: number | string; request_id: string; position: number; at: number | string; endpoint: string;
  variant: string; role: string; model: string; version: string; model_sha256: string;
  text: string | null; text_sha256: string; label: string; score: number;
  top_labels: string; top_scores: Uint8Array; latency_ms: number;
  chars: number; tokens: number; digits: number; upper: number; non_ascii: number; token_hashes: Uint8Array;
  /** PostgreSQL only (migration 3): LoggedPrediction.features as JSON; null when none was recorded. */
  features?: string | null;
  /** PostgreSQL only (migration 5): LoggedPrediction.answered; null without a taxonomy. */
  answered?: string | null;
}

export const PREDICTION_COLUMNS = 'seq, request_id, position, at, endpoint, variant, role, model, version, model_sha256, text, text_sha256, label, score, top_labels, top_scores, latency_ms, chars, tokens, digits, upper, non_ascii, token_hashes';

export function toStoredPrediction(r: PredictionRow): StoredPrediction {
  return {
    seq: Number(r.seq), requestId: r.request_id, position: r.position, at: Number(r.at), endpoint: r.endpoint,
    variant: r.variant, role: r.role as StoredPrediction['role'], model: r.model, version: r.version, modelSha256: r.model_sha256,
    text: r.text, textSha256: r.text_sha256, label: r.label, score: r.score,
    topK: decodeTopK(r.top_labels, r.top_scores), latencyMs: r.latency_ms,
    stats: { chars: r.chars, tokens: r.tokens, digits: r.digits, upper: r.upper, nonAscii: r.non_ascii, tokenHashes: decodeTokenHashes(r.token_hashes) },
    ...(typeof r.features === 'string' ? { features: JSON.parse(r.features) as StoredPrediction['features'] } : {}),
    ...(typeof r.answered === 'string' ? { answered: r.answered } : {}),
  };
}

export interface FeedbackRow {
  id: number | string; endpoint: string; time: number | string; received_at: number | string; label: string; source: string;
  request_id: string | null; position: number | null; text: string | null; text_sha256: string;
  pred_seq: number | string | null; pred_variant: string | null; pred_model: string | null; pred_version: string | null;
  pred_model_sha256: string | null; pred_label: string | null; pred_score: number | null; pred_at: number | string | null;
  new_class: number | boolean;
}

export function toStoredFeedback(r: FeedbackRow): StoredFeedback {
  return {
    id: Number(r.id), endpoint: r.endpoint, time: Number(r.time), receivedAt: Number(r.received_at), label: r.label, source: r.source,
    requestId: r.request_id, position: r.position, text: r.text, textSha256: r.text_sha256,
    prediction: r.pred_seq === null ? null : {
      seq: Number(r.pred_seq), variant: r.pred_variant ?? '', model: r.pred_model ?? '', version: r.pred_version ?? '',
      modelSha256: r.pred_model_sha256 ?? '', label: r.pred_label ?? '', score: r.pred_score ?? 0, at: Number(r.pred_at),
    },
    newClass: r.new_class === true || r.new_class === 1,
  };
}

export interface AlertRow {
  id: string; state: string; rule: string; endpoint: string; variant: string | null;
  at: number | string; value: number; threshold: number; message: string;
}

export function toAlertEvent(r: AlertRow): AlertEventRecord {
  return {
    id: r.id, state: r.state as AlertEventRecord['state'], rule: r.rule, endpoint: r.endpoint, variant: r.variant,
    at: Number(r.at), value: r.value, threshold: r.threshold, message: r.message,
  };
}
