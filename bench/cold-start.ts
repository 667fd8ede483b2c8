/**
 * Cold start (`node dist/bench/cold-start.js`, the second part of `npm run bench:serve`; issue 17
 * item 4): from spawning `lading serve --model ARTIFACT` to the first answer of a classify request,
 * for each model kind trained on hs-goods label_4 (the models are cached beside bench:serve's). What
 * makes scale-to-zero usable: a Knative revision or a KEDA-scaled worker that starts on the first
 * request answers it this long after its process started. Beside it, the floor: a bare
 * `node -e` process start, in the same rounds.
 *
 * LADING_BENCH_COLD_KINDS picks the kinds (default fasttext,linear,dnn,textcnn); LADING_BENCH_ROUNDS
 * the rounds (default 5); each round starts every kind once, in turn. Target: fasttext answers
 * within 1 s of its process starting.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { table } from '../src/cli/output.js';
import { machine, writeResult } from './machine.js';
import { BIN, log, trainIfMissing } from './wrk-driver.js';

const ROUNDS = Math.max(1, Number(process.env['LADING_BENCH_ROUNDS'] ?? '5'));
const KINDS = (process.env['LADING_BENCH_COLD_KINDS'] ?? 'fasttext,linear,dnn,textcnn').split(',').filter((k) => k.length > 0);
const TEXT = 'COTTON KNITTED T-SHIRTS FOR MEN 100 PCS';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0)); });
  });
}

/** Milliseconds from spawn to the first 200 of POST classify (polled every 5 ms), and to the process's "ready" line. */
async function coldStart(artifact: string): Promise<{ firstAnswerMs: number }> {
  const port = await freePort();
  const home = mkdtempSync(join(tmpdir(), 'lading-cold-'));
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'serve', '--model', artifact, '--name', 'm', '--port', String(port), '--home', home], { stdio: ['ignore', 'ignore', 'ignore'] });
  try {
    const body = JSON.stringify({ texts: [TEXT] });
    for (;;) {
      if (child.exitCode !== null) throw new Error(`lading serve exited with ${child.exitCode}`);
      try {
        const r = await fetch(`http://127.0.0.1:${port}/v1/models/m:classify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        if (r.status === 200) { await r.arrayBuffer(); return { firstAnswerMs: performance.now() - started }; }
        await r.arrayBuffer();
      } catch { /* not listening yet */ }
      if (performance.now() - started > 120_000) throw new Error('no answer within 120 s');
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(home, { recursive: true, force: true });
  }
}

function nodeStartMs(): number {
  const t = performance.now();
  spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
  return performance.now() - t;
}

const median = (xs: readonly number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]!; };

const artifacts = new Map(KINDS.map((k) => [k, trainIfMissing(k)]));
const samples = new Map<string, number[]>([['node', []], ...KINDS.map((k) => [k, []] as [string, number[]])]);
for (let round = 1; round <= ROUNDS; round++) {
  log(`cold start: round ${round}/${ROUNDS}`);
  samples.get('node')!.push(nodeStartMs());
  for (const kind of KINDS) samples.get(kind)!.push((await coldStart(artifacts.get(kind)!)).firstAnswerMs);
}

const rows = [...samples].map(([what, ms]) => ({
  what: what === 'node' ? 'bare node process start (floor)' : `lading serve ${what}: spawn -> first answer`,
  medianMs: Math.round(median(ms)), minMs: Math.round(Math.min(...ms)), maxMs: Math.round(Math.max(...ms)),
  target: what === 'fasttext' ? '< 1000 ms' : '', samplesMs: ms.map(Math.round),
}));
process.stdout.write(`\n${table(['figure', 'median ms', 'spread ms', 'target'], rows.map((r) => [r.what, r.medianMs, `${r.minMs}–${r.maxMs}`, r.target]))}\n`);
process.stdout.write(`command: node dist/bench/cold-start.js (LADING_BENCH_COLD_KINDS=${KINDS.join(',')}, ${ROUNDS} rounds); data: models trained on ../shared/datasets/hs-goods label_4; machine: ${JSON.stringify(machine())}\n`);
process.stdout.write(`wrote ${writeResult('cold-start', { machine: machine(), rounds: ROUNDS, rows })}\n`);
