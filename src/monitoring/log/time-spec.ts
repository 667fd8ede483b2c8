import { InputError } from '../../core/errors.js';

const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A point in time as people write it on a command line: ISO-8601 (`2026-12-04`, `2026-12-04T18:00Z`)
 * or a span back from `now` (`90s`, `15m`, `1h`, `7d`, `2w`). Epoch ms; an InputError naming `what`
 * (the flag) otherwise.
 */
export function parseTimeSpec(text: string, what: string, now = Date.now()): number {
  const t = text.trim();
  const rel = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(t);
  if (rel) return now - Math.round(Number(rel[1]) * UNITS[rel[2]!.toLowerCase()]!);
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    const ms = Date.parse(t);
    if (Number.isFinite(ms)) return ms;
  }
  throw new InputError('bad-time', `${what} must be an ISO-8601 time (2026-12-04T18:00:00Z) or a span back from now (30m, 1h, 7d), got "${text}"`,
    { field: what, value: text }, 'Examples: --since 24h, --since 2026-12-01, --until 2026-12-04T12:00:00Z.');
}
