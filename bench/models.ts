/**
 * npm run bench:models — the paper's table on our data: linear, fasttext, dnn, lstm and textcnn on
 * hs-goods HS4 and grocery, each without and with up-sampling, on the fixed grouped 80/20 split.
 * Accuracy, macro-F1, macro-F1 over classes with < 20 training texts, training seconds, inference
 * texts/s on one thread and all cores, CPU-seconds per million predictions, artifact size. Each
 * cell runs in its own process. PyTorch's word-level Text-CNN trains beside it when
 * /usr/bin/python3 has torch (bench/torch-textcnn.py, one thread).
 *
 * Environment: BENCH_ONLY=substring filters cells ("HS4 textcnn", "grocery", "upsample", "torch");
 * BENCH_FULL=1 adds the deep kinds with up-sampling (left out of the default run to keep it near
 * 30 minutes on 2 cores).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { table, type Cell } from '../src/cli/output.js';
import { MODEL_KIND_NAMES } from '../src/models/kinds.js';
import { machine, writeResult } from './machine.js';

const SHARED = join('..', 'shared', 'datasets');
const TASKS = [
  { name: 'hs-goods HS4', file: join(SHARED, 'hs-goods', 'train.csv'), label: 'label_4' },
  { name: 'grocery', file: join(SHARED, 'grocery', 'train.csv'), label: 'label' },
] as const;
const KINDS = ['linear', 'fasttext', 'dnn', 'lstm', 'textcnn'].filter((k) => MODEL_KIND_NAMES.includes(k));
const DEEP = new Set(['dnn', 'lstm', 'textcnn']);
const TORCH = '/usr/bin/python3';

interface Figures {
  kind: string; upsample: boolean; accuracy: number; macroF1: number; rareMacroF1: number | null; rareClasses: number; trainSeconds: number;
  oneThreadPerSec: number; allCoresPerSec: number; cpuSecondsPerMillion: number; artifactMB: number; classes: number; trainRows: number; testRows: number;
}
interface TorchFigures { texts_per_second: number; epochs: number; accuracy: number; macro_f1: number; train_seconds: number }

const only = process.env['BENCH_ONLY'];
const full = process.env['BENCH_FULL'] === '1';
const threads = availableParallelism();
const cells: Array<{ task: string } & Figures> = [];
const torchCells: Array<{ task: string } & TorchFigures> = [];
const haveTorch = existsSync(TORCH) && spawnSync(TORCH, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

for (const task of TASKS) {
  if (!existsSync(task.file)) throw new Error(`${task.file} is missing: the benchmark reads ../shared/datasets beside the project`);
  const splitDir = mkdtempSync(join(tmpdir(), 'lading-bench-split-'));
  try {
    let splitWritten = false;
    for (const kind of KINDS) {
      for (const upsample of [false, true]) {
        const name = `${task.name} ${kind}${upsample ? ' upsample' : ''}`;
        if (only && !name.includes(only)) continue;
        if (upsample && DEEP.has(kind) && !full) continue;
        process.stderr.write(`bench: ${name}...\n`);
        const args = [join('dist', 'bench', 'models-run.js'), task.file, task.label, kind, upsample ? '1' : '0', String(threads), ...(splitWritten ? [] : [splitDir])];
        const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
        if (r.status !== 0) throw new Error(`bench cell ${name} failed (exit ${r.status})`);
        splitWritten = true;
        cells.push({ task: task.name, ...(JSON.parse(r.stdout.trim().split('\n').pop()!) as Figures) });
      }
    }
    const torchName = `${task.name} torch textcnn`;
    if (haveTorch && task.label === 'label_4' && (!only || torchName.includes(only))) {
      if (!splitWritten) {
        spawnSync(process.execPath, [join('dist', 'bench', 'models-run.js'), task.file, task.label, 'linear', '0', '1', splitDir], { stdio: 'ignore' });
      }
      process.stderr.write(`bench: ${torchName} (PyTorch, one thread)...\n`);
      const r = spawnSync(TORCH, [join('bench', 'torch-textcnn.py'), join(splitDir, 'train.csv'), join(splitDir, 'test.csv'), process.env['BENCH_TORCH_EPOCHS'] ?? '1'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      if (r.status === 0) torchCells.push({ task: task.name, ...(JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchFigures) });
      else process.stderr.write(`bench: PyTorch cell failed (exit ${r.status})\n`);
    }
  } finally {
    rmSync(splitDir, { recursive: true, force: true });
  }
}

const m = machine();
const rows: Cell[][] = cells.map((c) => [
  c.task, c.kind + (c.upsample ? ' +up' : ''), c.accuracy, c.macroF1, c.rareMacroF1 === null || Number.isNaN(c.rareMacroF1) ? null : c.rareMacroF1, Math.round(c.trainSeconds),
  Math.round(c.oneThreadPerSec), Math.round(c.allCoresPerSec), Math.round(c.cpuSecondsPerMillion), c.artifactMB,
]);
const out: string[] = [];
out.push(`bench:models — grouped stratified 80/20 split (seed 20261123) of ../shared/datasets; ${m.cores} cores (${m.cpu}), node ${m.node}`);
out.push(`command: npm run bench:models${only ? ` (BENCH_ONLY=${only})` : ''}${full ? ' (BENCH_FULL=1)' : ''}`);
out.push(table(['task', 'model', 'accuracy', 'macro-F1', 'F1 <20 train', 'train s', 'pred/s 1 thread', `pred/s ${threads} threads`, 'CPU-s / 1M', 'artifact MB'], rows, 3));
for (const c of cells.filter((x) => x.kind === 'textcnn' && x.task === 'hs-goods HS4' && !x.upsample)) {
  const ok = c.accuracy >= 0.72 && c.macroF1 >= 0.48 && c.oneThreadPerSec >= 20_000;
  out.push(`minimum Text-CNN HS4 (>= 0.72 accuracy, >= 0.48 macro-F1, >= 20,000 texts/s on one thread): ${ok ? 'ok' : 'BELOW'}`);
}
if (torchCells.length > 0) {
  out.push('');
  out.push('PyTorch word-level Text-CNN (same shape: embedding 128, 128 filters x 2/3/4, Adam, batch 64), torch.set_num_threads(1):');
  out.push(table(['task', 'epochs', 'texts/s training', 'train s', 'accuracy', 'macro-F1'], torchCells.map((t) => [t.task, t.epochs, Math.round(t.texts_per_second), Math.round(t.train_seconds), t.accuracy, t.macro_f1]), 3));
} else if (!haveTorch) {
  out.push('\nPyTorch side-by-side not run: /usr/bin/python3 has no torch (apt-get install -y python3-torch).');
}
process.stdout.write(`${out.join('\n')}\n`);
const path = writeResult('models', { machine: m, command: 'npm run bench:models', split: 'grouped stratified 80/20, seed 20261123', cells, torch: torchCells });
process.stdout.write(`wrote ${path}\n`);
