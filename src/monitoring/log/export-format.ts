import type { StoredPrediction } from './logged-prediction.js';

export type ExportFormat = 'jsonl' | 'csv';

/**
 * One logged prediction as a JSON Lines record: every field, times as ISO-8601 (`features` only for
 * models trained with entity features; `answered`, the code that went back, only under a taxonomy).
 */
export function predictionJsonLine(p: StoredPrediction): string {
  return JSON.stringify({
    seq: p.seq, at: new Date(p.at).toISOString(), requestId: p.requestId, position: p.position,
    endpoint: p.endpoint, variant: p.variant, role: p.role, model: p.model, version: p.version, modelSha256: p.modelSha256,
    text: p.text, textSha256: p.textSha256, label: p.label, score: p.score, topK: p.topK, latencyMs: p.latencyMs,
    stats: { chars: p.stats.chars, tokens: p.stats.tokens, digits: p.stats.digits, upper: p.stats.upper, nonAscii: p.stats.nonAscii, tokenHashes: [...p.stats.tokenHashes] },
    ...(p.features === undefined ? {} : { features: p.features }),
    ...(p.answered === undefined ? {} : { answered: p.answered }),
  });
}

export const CSV_COLUMNS = ['seq', 'at', 'request_id', 'position', 'endpoint', 'variant', 'role', 'model', 'version', 'model_sha256',
  'text', 'text_sha256', 'label', 'score', 'top_k', 'latency_ms', 'chars', 'tokens', 'digits', 'upper', 'non_ascii', 'answered'] as const;

/** RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled. */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One logged prediction as a CSV record (CSV_COLUMNS); top_k is `label:score|label:score`, no text is
 * empty, and so is `answered` without a taxonomy (last, so readers of the older columns by position still fit).
 */
export function predictionCsvLine(p: StoredPrediction): string {
  return [
    p.seq, new Date(p.at).toISOString(), p.requestId, p.position, p.endpoint, p.variant, p.role, p.model, p.version, p.modelSha256,
    p.text, p.textSha256, p.label, p.score, p.topK.map((k) => `${k.label}:${k.score}`).join('|'), p.latencyMs,
    p.stats.chars, p.stats.tokens, p.stats.digits, p.stats.upper, p.stats.nonAscii, p.answered ?? null,
  ].map(csvField).join(',');
}
