import type { DatasetRows } from '../core/dataset.js';
import { InputError } from '../core/errors.js';

/**
 * Parses "--levels 2,4,6": prefix lengths of hierarchical labels (HS codes: chapter, heading,
 * subheading), strictly increasing whole numbers >= 1.
 */
export function parseLevels(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const levels = parts.map(Number);
  let previous = 0;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (!Number.isInteger(level) || level <= previous) {
      throw new InputError('bad-levels', `--levels must be strictly increasing whole numbers >= 1, like 2,4,6; got "${value}"`, { flag: '--levels', value });
    }
    previous = level;
  }
  if (levels.length === 0) throw new InputError('bad-levels', '--levels is empty; give prefix lengths like 2,4,6', { flag: '--levels', value });
  return levels;
}

/**
 * Every primary label must be at least as long as the deepest level, or its prefixes would not be
 * the hierarchy they claim to be (a 4-digit code has no 6-digit subheading).
 */
export function checkLabelLevels(rows: DatasetRows, levels: readonly number[], file: string): void {
  const deepest = levels[levels.length - 1];
  const column = rows.labelColumns[0];
  if (deepest === undefined || column === undefined) return;
  const labels = rows.labels[column]!;
  for (let r = 0; r < labels.length; r++) {
    const label = labels[r]!;
    if (label.length < deepest) {
      throw new InputError('label-shorter-than-levels',
        `${file}: data row ${r + 1} (header not counted), column "${column}": label "${label}" is shorter than the deepest level ${deepest} of --levels ${levels.join(',')}`,
        { file, row: r + 1, column }, 'Levels are prefix lengths of the primary label; HS6 codes use 2,4,6. Did a spreadsheet drop leading zeros?');
    }
  }
}
