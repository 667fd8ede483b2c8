import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetRows } from '../src/core/dataset.js';
import { csvField } from '../src/monitoring/log/export-format.js';
import { scorePredictedLabels } from './anchor-score.js';

/**
 * scikit-learn's LinearSVC (bench/sklearn-anchor.py, Debian's python3-sklearn) fitted on the same
 * split as lading's kinds, in the same run. The script writes its predicted labels; they are scored
 * here by lading's evaluation. CONFIG picks the pipeline (see the script); `anchor` is the issue's.
 */
const PYTHON = '/usr/bin/python3';
const SCRIPT = join('bench', 'sklearn-anchor.py');

/** Why the anchor cannot run here, or undefined when it can. */
export function sklearnMissing(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import sklearn'], { stdio: 'ignore' });
  return r.error !== undefined || r.status !== 0 ? `${PYTHON} cannot import sklearn (apt-get install -y python3-sklearn)` : undefined;
}

export interface SklearnFigures {
  config: string; version: string; accuracy: number; macroF1: number; trainSeconds: number; predictPerSec: number;
}

export function runSklearnAnchor(train: DatasetRows, test: DatasetRows, labelColumn: string, config: string): SklearnFigures {
  const dir = mkdtempSync(join(tmpdir(), 'lading-sklearn-'));
  try {
    const csv = (rows: DatasetRows) => `text,label\n${rows.texts.map((t, i) => `${csvField(t)},${csvField(rows.labels[labelColumn]![i]!)}`).join('\n')}\n`;
    writeFileSync(join(dir, 'train.csv'), csv(train));
    writeFileSync(join(dir, 'test.csv'), csv(test));
    // Niced: a fit takes minutes (HS6 about 1,000 s) and shares the machine.
    const r = spawnSync('nice', ['-n', '10', PYTHON, SCRIPT, dir, config], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) throw new Error(`${SCRIPT} ${config} failed (exit ${r.status})`);
    const timing = JSON.parse(r.stdout.trim().split('\n').pop()!) as { sklearn: string; fitSeconds: number; predictPerSec: number };
    const predicted = JSON.parse(readFileSync(join(dir, 'predictions.json'), 'utf8')) as string[];
    if (predicted.length !== test.texts.length) throw new Error(`${SCRIPT} predicted ${predicted.length} labels for ${test.texts.length} test texts`);
    return { config, version: timing.sklearn, ...scorePredictedLabels(train, test, labelColumn, predicted), trainSeconds: timing.fitSeconds, predictPerSec: timing.predictPerSec };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
