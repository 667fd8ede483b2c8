import type { Writable } from 'node:stream';
import { isLadingError } from '../core/errors.js';

/** All CLI rendering lives here: JSON, aligned tables, errors. */
export function writeJson(out: Writable, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function writeLine(out: Writable, line = ''): void {
  out.write(`${line}\n`);
}

export type Cell = string | number | null | undefined;

/**
 * Every time the CLI shows, in one format: ISO 8601 in UTC to the second (2026-12-04T16:14:35Z).
 * The registry keeps full ISO strings (milliseconds; PostgreSQL hands back Dates).
 */
export function utcTime(v: string | Date | null | undefined): string {
  if (v === null || v === undefined) return '-';
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? String(v) : `${d.toISOString().slice(0, 19)}Z`;
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** Formats a cell: integers as is, other numbers with `digits` decimals, ISO times as utcTime. */
export function fmt(v: Cell, digits = 4): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'string') return ISO_TIME.test(v) ? utcTime(v) : v;
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(digits);
}

/** An aligned text table; numbers right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[], digits = 4): string {
  const cells = rows.map((r) => r.map((c) => fmt(c, digits)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === null || r[i] === undefined));
  const line = (r: readonly string[]) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** Renders an error for a person (stderr) or as JSON; returns the exit code. */
export function reportError(e: unknown, stderr: Writable, json: boolean): number {
  if (isLadingError(e)) {
    if (json) {
      stderr.write(`${JSON.stringify(e.toJSON())}\n`);
    } else {
      stderr.write(`error: ${e.message}\n`);
      const facts = Object.entries(e.facts).filter(([, v]) => v !== undefined);
      if (facts.length > 0) stderr.write(`  ${facts.map(([k, v]) => `${k}=${String(v)}`).join('  ')}\n`);
      if (e.hint) stderr.write(`  hint: ${e.hint}\n`);
    }
    return e.code === 'interrupted' ? 130 : 2;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  if (json) stderr.write(`${JSON.stringify({ error: err.name, message: err.message })}\n`);
  else stderr.write(`internal error: ${err.stack ?? err.message}\n`);
  return 1;
}
