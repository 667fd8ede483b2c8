import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetRows } from '../src/core/dataset.js';
import { scorePredictedLabels } from './anchor-score.js';

/**
 * fastText 0.9.2 (Debian package `fasttext`) on the same split, as the issue's anchor:
 * `fasttext supervised -epoch 25 -lr 0.5 -wordNgrams 2 -dim 100 -thread 2`.
 */
export function fastTextAvailable(): boolean {
  return spawnSync('fasttext', [], { stdio: 'ignore' }).error === undefined;
}

export interface AnchorFigures {
  accuracy: number; macroF1: number; trainSeconds: number; predictPerSec: number; modelMB: number;
}

export function runFastTextAnchor(train: DatasetRows, test: DatasetRows, labelColumn: string, threads: number): AnchorFigures {
  const dir = mkdtempSync(join(tmpdir(), 'lading-fasttext-'));
  try {
    const enc = (l: string) => l.replace(/\s+/g, '_');
    const line = (text: string, label?: string) => `${label === undefined ? '' : `__label__${enc(label)} `}${text.replace(/\s+/g, ' ')}`;
    const trainLabels = train.labels[labelColumn]!;
    writeFileSync(join(dir, 'train.txt'), `${train.texts.map((t, i) => line(t, trainLabels[i]!)).join('\n')}\n`);
    writeFileSync(join(dir, 'test.txt'), `${test.texts.map((t) => line(t)).join('\n')}\n`);
    const t0 = performance.now();
    const fit = spawnSync('fasttext', ['supervised', '-input', join(dir, 'train.txt'), '-output', join(dir, 'm'), '-epoch', '25', '-lr', '0.5',
      '-wordNgrams', '2', '-dim', '100', '-thread', String(threads), '-verbose', '0'], { encoding: 'utf8' });
    const trainSeconds = (performance.now() - t0) / 1000;
    if (fit.status !== 0) throw new Error(`fasttext supervised failed: ${fit.stderr}`);
    const t1 = performance.now();
    const pred = spawnSync('fasttext', ['predict', join(dir, 'm.bin'), join(dir, 'test.txt')], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const predictSeconds = (performance.now() - t1) / 1000;
    if (pred.status !== 0) throw new Error(`fasttext predict failed: ${pred.stderr}`);
    const byEncoded = new Map(trainLabels.map((l) => [enc(l), l]));
    const predicted = pred.stdout.split('\n').slice(0, test.texts.length).map((s) => byEncoded.get(s.replace('__label__', '').trim()) ?? '');
    return { ...scorePredictedLabels(train, test, labelColumn, predicted), trainSeconds, predictPerSec: test.texts.length / predictSeconds, modelMB: statSync(join(dir, 'm.bin')).size / 1e6 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

