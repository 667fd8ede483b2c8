/**
 * npm run bench:models — the paper's table on our data: linear, fasttext, dnn, lstm and textcnn on
 * hs-goods HS4 and grocery, each without and with up-sampling, on the fixed grouped 80/20 split.
 * Accuracy, macro-F1, macro-F1 over classes with < 20 training texts, training seconds, inference
 * texts/s on one thread and all cores, CPU-seconds per million predictions, artifact size. Each
 * cell runs in its own process. On HS4 it also times one epoch of the Text-CNN in the issue's shape
 * (embedding 128, 128 filters at widths 2/3/4) and trains PyTorch's word-level Text-CNN of that
 * shape beside it when /usr/bin/python3 has torch (bench/torch-textcnn.py, one thread, 10 epochs).
 * About 75 minutes on 2 cores.
 *
 * Environment: BENCH_ONLY=substring filters cells ("HS4 textcnn", "grocery", "+up", "torch",
 * "epoch"); BENCH_TORCH_EPOCHS=N changes PyTorch's epochs (default 10).
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
const TORCH = '/usr/bin/python3';

interface Figures {
  kind: string; upsample: boolean; accuracy: number; macroF1: number; rareMacroF1: number | null; rareClasses: number; trainSeconds: number;
  oneThreadPerSec: number; allCoresPerSec: number; cpuSecondsPerMillion: number; artifactMB: number; classes: number; trainRows: number; testRows: number;
  epochs: number; epochSeconds: number | null;
}
interface TorchFigures { texts_per_second: number; epochs: number; accuracy: number; macro_f1: number; train_seconds: number }

const only = process.env['BENCH_ONLY'];
const torchEpochs = process.env['BENCH_TORCH_EPOCHS'] ?? '10';
/** The issue's Text-CNN shape, timed for one epoch (the default textcnn adds width-1 filters). */
const PAPER_SHAPE = { widths: '2,3,4', filters: 128, dim: 128, epochs: 1, patience: 0 };
const threads = availableParallelism();
const cells: Array<{ task: string } & Figures> = [];
let paperEpoch: ({ task: string } & Figures) | undefined;
const torchCells: Array<{ task: string } & TorchFigures> = [];
const haveTorch = existsSync(TORCH) && spawnSync(TORCH, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

for (const task of TASKS) {
  if (!existsSync(task.file)) throw new Error(`${task.file} is missing: the benchmark reads ../shared/datasets beside the project`);
  const splitDir = mkdtempSync(join(tmpdir(), 'lading-bench-split-'));
  try {
    let splitWritten = false;
    const runCell = (name: string, kind: string, upsample: boolean, params?: object): Figures => {
      process.stderr.write(`bench: ${name}...\n`);
      const args = [join('dist', 'bench', 'models-run.js'), task.file, task.label, kind, upsample ? '1' : '0', String(threads), ...(splitWritten ? [] : [splitDir])];
      const env = { ...process.env, BENCH_PARAMS: JSON.stringify(params ?? {}) };
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24, env });
      if (r.status !== 0) throw new Error(`bench cell ${name} failed (exit ${r.status})`);
      splitWritten = true;
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as Figures;
    };
    for (const kind of KINDS) {
      for (const upsample of [false, true]) {
        const name = `${task.name} ${kind}${upsample ? ' +up' : ''}`;
        if (only && !name.includes(only)) continue;
        cells.push({ task: task.name, ...runCell(name, kind, upsample) });
      }
    }
    const epochName = `${task.name} textcnn one epoch (widths 2/3/4)`;
    if (task.label === 'label_4' && (!only || epochName.includes(only))) paperEpoch = { task: task.name, ...runCell(epochName, 'textcnn', false, PAPER_SHAPE) };
    const torchName = `${task.name} torch textcnn`;
    if (haveTorch && task.label === 'label_4' && (!only || torchName.includes(only))) {
      if (!splitWritten) {
        spawnSync(process.execPath, [join('dist', 'bench', 'models-run.js'), task.file, task.label, 'linear', '0', '1', splitDir], { stdio: 'ignore' });
      }
      process.stderr.write(`bench: ${torchName} (PyTorch, one thread)...\n`);
      const r = spawnSync(TORCH, [join('bench', 'torch-textcnn.py'), join(splitDir, 'train.csv'), join(splitDir, 'test.csv'), torchEpochs],
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
  c.epochs || null, c.epochSeconds === null ? null : Math.round(c.epochSeconds), Math.round(c.oneThreadPerSec), Math.round(c.allCoresPerSec), Math.round(c.cpuSecondsPerMillion), c.artifactMB,
]);
const out: string[] = [];
out.push(`bench:models — grouped stratified 80/20 split (seed 20261123) of ../shared/datasets; ${m.cores} cores (${m.cpu}), node ${m.node}`);
out.push(`command: npm run bench:models${only ? ` (BENCH_ONLY=${only})` : ''}`);
out.push(table(['task', 'model', 'accuracy', 'macro-F1', 'F1 <20 train', 'train s', 'epochs', 's / epoch', 'pred/s 1 thread', `pred/s ${threads} threads`, 'CPU-s / 1M', 'artifact MB'], rows, 3));
const cnn = cells.find((x) => x.kind === 'textcnn' && x.task === 'hs-goods HS4' && !x.upsample);
const torch = torchCells.find((t) => t.task === 'hs-goods HS4');
if (paperEpoch?.epochSeconds || torch) {
  out.push('');
  out.push('Text-CNN training, the issue\'s shape (embedding 128, 128 filters x 2/3/4, Adam, batch 64), same split:');
  const trainRows = paperEpoch?.trainRows ?? 0;
  const ours = paperEpoch?.epochSeconds ? trainRows / paperEpoch.epochSeconds : null;
  const rowsOut: Cell[][] = [];
  if (paperEpoch?.epochSeconds) rowsOut.push([`lading textcnn, ${threads} threads`, 1, Math.round(ours!), Math.round(paperEpoch.epochSeconds), paperEpoch.accuracy, paperEpoch.macroF1, torch ? ours! / torch.texts_per_second : null]);
  if (torch) rowsOut.push(['PyTorch 1.13, 1 thread (torch.set_num_threads(1))', torch.epochs, Math.round(torch.texts_per_second), Math.round(torch.train_seconds / torch.epochs), torch.accuracy, torch.macro_f1, 1]);
  out.push(table(['engine', 'epochs', 'texts/s training', 's / epoch', 'accuracy', 'macro-F1', 'x PyTorch texts/s'], rowsOut, 3));
} else if (!haveTorch) {
  out.push('\nPyTorch side-by-side not run: /usr/bin/python3 has no torch (apt-get install -y python3-torch).');
}
if (cnn) {
  out.push('');
  const check = (what: string, ok: boolean): string => `  ${ok ? 'ok   ' : 'BELOW'} ${what}`;
  out.push('minimums (issue 5), Text-CNN on HS4:');
  out.push(check(`accuracy ${cnn.accuracy.toFixed(4)} >= 0.72${torch ? ` (PyTorch word-level on this split: ${torch.accuracy.toFixed(4)})` : ''}`, cnn.accuracy >= 0.72));
  out.push(check(`macro-F1 ${cnn.macroF1.toFixed(4)} >= 0.48${torch ? ` (PyTorch: ${torch.macro_f1.toFixed(4)})` : ''}`, cnn.macroF1 >= 0.48));
  out.push(check(`ONNX inference ${Math.round(cnn.oneThreadPerSec)} texts/s >= 20,000 at batch 256 on one thread`, cnn.oneThreadPerSec >= 20_000));
  if (paperEpoch?.epochSeconds) out.push(check(`one epoch of ${paperEpoch.trainRows} texts in ${paperEpoch.epochSeconds.toFixed(1)} s < 60 s (issue's shape)`, paperEpoch.epochSeconds < 60));
}
process.stdout.write(`${out.join('\n')}\n`);
const path = writeResult('models', { machine: m, command: 'npm run bench:models', split: 'grouped stratified 80/20, seed 20261123', cells, paperEpoch, torch: torchCells });
process.stdout.write(`wrote ${path}\n`);
