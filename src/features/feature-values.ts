import { InputError } from '../core/errors.js';
import type { FeatureType } from './feature-spec.js';

/** A feature value as stored and joined: null where the file had none (an empty CSV cell, a JSON null or absent field). */
export type FeatureValue = string | number | boolean | null;

export interface CellPlace {
  readonly file: string;
  readonly row: number;
  readonly column: string;
}

const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const HAS_ZONE = /(?:Z|[+-]\d{2}:?\d{2})$/;

/**
 * When a value became true (or an example happened), as epoch milliseconds: an ISO 8601 date or
 * date-time (without a zone it is UTC: files move between machines, their local zones should not
 * move values), or an integer of epoch milliseconds. Anything else is an error naming the cell.
 */
export function parseEventTime(cell: unknown, at: CellPlace): number {
  if (typeof cell === 'number' && Number.isInteger(cell) && cell >= 0) return cell;
  if (typeof cell === 'string') {
    const s = cell.trim();
    if (/^\d{1,16}$/.test(s)) return Number(s);
    if (ISO.test(s)) {
      const dateOnly = s.length === 10;
      const t = Date.parse(dateOnly || HAS_ZONE.test(s) ? s : `${s.replace(' ', 'T')}Z`);
      if (Number.isFinite(t)) return t;
    }
  }
  throw bad(at, cell, 'a time: an ISO 8601 date or date-time (UTC when it names no zone) or epoch milliseconds');
}

/** A cell as a value of the feature's type; an empty cell is null (no value at that time). */
export function featureValue(cell: unknown, type: FeatureType, at: CellPlace): FeatureValue {
  if (cell === undefined || cell === null || cell === '') return null;
  switch (type) {
    case 'string':
      if (typeof cell === 'string') return cell;
      if (typeof cell === 'number' && Number.isFinite(cell)) return String(cell);
      throw bad(at, cell, 'a string');
    case 'int': {
      const n = typeof cell === 'string' && /^\s*-?\d+\s*$/.test(cell) ? Number(cell) : cell;
      if (typeof n === 'number' && Number.isSafeInteger(n)) return n;
      throw bad(at, cell, 'an integer');
    }
    case 'float': {
      const n = typeof cell === 'string' && cell.trim() !== '' ? Number(cell) : cell;
      if (typeof n === 'number' && Number.isFinite(n)) return n;
      throw bad(at, cell, 'a finite number');
    }
    case 'bool':
      if (typeof cell === 'boolean') return cell;
      if (typeof cell === 'string' && /^(true|false|1|0)$/i.test(cell.trim())) return /^(true|1)$/i.test(cell.trim());
      throw bad(at, cell, 'true or false');
  }
}

function bad(at: CellPlace, cell: unknown, expected: string): InputError {
  return new InputError('bad-feature-value', `${at.file}: row ${at.row}, column "${at.column}": expected ${expected}, got ${JSON.stringify(cell) ?? String(cell)}`,
    { file: at.file, row: at.row, column: at.column }, 'Fix that cell; nothing of the file was stored.');
}
