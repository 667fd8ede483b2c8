/**
 * Serving benchmark (`npm run bench:serve`): `lading serve` in its own process under wrk, with the
 * fasttext and linear models trained on hs-goods label_4, side by side with the FastAPI + uvicorn +
 * scikit-learn anchor. Single-text and 32-text requests drawn in turn from real texts
 * (../shared/anchors/rotate.lua). wrk is closed-loop (no fixed-rate mode): "saturation" is 16
 * connections; "half load" is the connection count (1, 2 or 4) whose measured rate comes closest to
 * half the saturated rate, and the rate actually measured is printed beside it.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { readLabelledFile } from '../src/data/read-labelled-file.js';
import { loadModel } from '../src/models/load-model.js';
import { ParallelPredictor } from '../src/models/parallel-predict.js';
import { table } from '../src/cli/output.js';
import { machine, writeResult } from './machine.js';

const CACHE = process.env['LADING_BENCH_CACHE'] ?? '/tmp/lading-bench-serve';
// ../shared sits beside the project, here and in CI.
const DATA = resolve('..', 'shared', 'datasets', 'hs-goods', 'train.csv');
const ANCHORS = resolve('..', 'shared', 'anchors');
const DURATION = process.env['LADING_BENCH_SECONDS'] ?? '8';
const BIN = resolve('bin/lading.js');
const WRK = '/usr/bin/wrk';

interface WrkResult { requests: number; errors: number; rps: number; p50: number; p99: number; p999: number; connections: number }
interface LoadFigures { batch: number; saturation: WrkResult; half: WrkResult; textsPerSecond: number }

function log(s: string): void { process.stderr.write(`${s}\n`); }

function trainIfMissing(kind: string): string {
  const out = join(CACHE, `${kind}-hs4.lading`);
  if (existsSync(out)) return out;
  log(`training ${kind} on hs-goods label_4 (cached in ${out})...`);
  execFileSync(process.execPath, [BIN, 'train', '--home', join(CACHE, 'home'), '--data', DATA, '--label', 'label_4', '--model', kind, '--out', out, '--json'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

function wrk(port: number, path: string, batch: number, connections: number, textsFile: string, seconds = DURATION): WrkResult {
  const r = spawnSync(WRK, ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', 'rotate.lua', `http://127.0.0.1:${port}`], {
    cwd: ANCHORS, env: { ...process.env, BATCH: String(batch), TEXTS: textsFile, URL_PATH: path }, encoding: 'utf8',
  });
  const m = /RESULT requests=(\d+) errors=(\d+) rps=([\d.]+) p50_ms=([\d.]+) p99_ms=([\d.]+) p999_ms=([\d.]+)/.exec(r.stdout);
  if (!m) throw new Error(`wrk gave no RESULT line: ${r.stdout} ${r.stderr}`);
  const n = (k: number) => Number(m[k]);
  return { requests: n(1), errors: n(2), rps: n(3), p50: n(4), p99: n(5), p999: n(6), connections };
}

function measureLoad(port: number, path: string, batch: number, textsFile: string): LoadFigures {
  wrk(port, path, batch, 16, textsFile, '2'); // warm-up
  const saturation = wrk(port, path, batch, 16, textsFile);
  let half: WrkResult | undefined;
  for (const c of [1, 2, 4]) {
    const r = wrk(port, path, batch, c, textsFile);
    if (!half || Math.abs(r.rps - saturation.rps / 2) < Math.abs(half.rps - saturation.rps / 2)) half = r;
    if (r.rps > saturation.rps / 2) break;
  }
  return { batch, saturation, half: half!, textsPerSecond: saturation.rps * batch };
}

async function waitReady(port: number, child: ChildProcess, timeoutMs = 600_000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}${'/v2/health/ready'}`);
      if (r.status === 200) return;
    } catch { /* not up yet */ }
    try {
      const r = await fetch(`http://127.0.0.1:${port}/docs`);
      if (r.status === 200) return; // the FastAPI anchor
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('server did not become ready');
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}

/** Raw prediction speed in this process: one thread, and all cores through ParallelPredictor. */
async function inProcess(modelPath: string, texts: string[]): Promise<{ oneThreadBatch1: number; oneThreadBatch32: number; allCoresBatch32: number; allCoresBulk: number }> {
  const model = await loadModel(modelPath);
  const classes = model.classifier.labels.length;
  const rate = (batch: number, seconds: number, run: (slice: string[]) => void) => {
    let n = 0;
    const start = performance.now();
    for (let i = 0; performance.now() - start < seconds * 1000; i = (i + batch) % (texts.length - batch)) { run(texts.slice(i, i + batch)); n += batch; }
    return n / ((performance.now() - start) / 1000);
  };
  const out = new Float32Array(32 * classes);
  rate(32, 1, (s) => model.classifier.predictProba(s, out));
  const oneThreadBatch1 = rate(1, 3, (s) => model.classifier.predictProba(s, out));
  const oneThreadBatch32 = rate(32, 3, (s) => model.classifier.predictProba(s, out));
  const cores = availableParallelism();
  const pp = await ParallelPredictor.open(modelPath, cores);
  try {
    const bulk = texts.slice(0, 20_000);
    await pp.predictProba(bulk);
    let t = performance.now();
    await pp.predictProba(bulk);
    const allCoresBulk = bulk.length / ((performance.now() - t) / 1000);
    // Many 32-text calls in flight at once: what a server could do with no HTTP at all.
    t = performance.now();
    let n = 0;
    while (performance.now() - t < 3000) {
      await Promise.all(Array.from({ length: 16 }, (_, k) => pp.predictProba(texts.slice((n + k * 32) % 10_000, (n + k * 32) % 10_000 + 32))));
      n += 16 * 32;
    }
    const allCoresBatch32 = n / ((performance.now() - t) / 1000);
    return { oneThreadBatch1, oneThreadBatch32, allCoresBatch32, allCoresBulk };
  } finally {
    await pp.close();
  }
}

async function main(): Promise<void> {
  mkdirSync(CACHE, { recursive: true });
  const texts = (await readLabelledFile(DATA, { text: 'text', labels: ['label_4'] })).texts.map((t) => t.replace(/[\r\n\t]+/g, ' '));
  // The last 10,000 rows, one per line, for wrk to cycle through.
  const textsFile = join(CACHE, 'texts.txt');
  writeFileSync(textsFile, `${texts.slice(-10_000).join('\n')}\n`);
  const results: Record<string, unknown> = {};
  const rows: Array<Array<string | number>> = [];
  const cores = availableParallelism();
  let port = 18_080;

  for (const kind of ['fasttext', 'linear']) {
    const path = trainIfMissing(kind);
    log(`${kind}: in-process speed...`);
    const raw = await inProcess(path, texts);
    log(`${kind}: starting lading serve...`);
    const p = port++;
    const child = spawn(process.execPath, [BIN, 'serve', '--model', path, '--name', kind, '--port', String(p), '--workers', String(cores)], { stdio: ['ignore', 'ignore', 'inherit'] });
    try {
      await waitReady(p, child);
      const single = measureLoad(p, `/v1/models/${kind}:classify`, 1, textsFile);
      const batch32 = measureLoad(p, `/v1/models/${kind}:classify`, 32, textsFile);
      const ratio = batch32.textsPerSecond / raw.allCoresBatch32;
      results[kind] = { inProcess: raw, single, batch32, serverOverInProcess: ratio };
      for (const f of [single, batch32]) {
        rows.push([`lading ${kind}`, f.batch, 'saturation c16', f.saturation.rps, f.saturation.rps * f.batch, f.saturation.p50, f.saturation.p99, f.saturation.p999, f.saturation.errors]);
        rows.push([`lading ${kind}`, f.batch, `half: c${f.half.connections}`, f.half.rps, f.half.rps * f.batch, f.half.p50, f.half.p99, f.half.p999, f.half.errors]);
      }
    } finally {
      await stop(child);
    }
  }

  const anchorDir = join(CACHE, 'anchor');
  const python = '/usr/bin/python3';
  const hasPackages = spawnSync(python, ['-c', 'import sklearn, fastapi, uvicorn'], { encoding: 'utf8' }).status === 0;
  if (!hasPackages) {
    results['anchor'] = { skipped: 'python3-sklearn / python3-fastapi / python3-uvicorn are not installed (apt-get install -y python3-sklearn python3-fastapi python3-uvicorn)' };
    log(`anchor skipped: ${String((results['anchor'] as { skipped: string }).skipped)}`);
  } else {
    mkdirSync(anchorDir, { recursive: true });
    if (!existsSync(join(anchorDir, 'hs4_svc.pkl'))) {
      log('training the FastAPI anchor (about 4 minutes, cached)...');
      execFileSync(python, ['fastapi_anchor.py', 'train'], { cwd: ANCHORS, env: { ...process.env, ANCHOR_DIR: anchorDir }, stdio: ['ignore', 'ignore', 'inherit'] });
    }
    const p = port++;
    const child = spawn(python, ['fastapi_anchor.py', 'serve', String(p)], { cwd: ANCHORS, env: { ...process.env, ANCHOR_DIR: anchorDir }, stdio: ['ignore', 'ignore', 'inherit'] });
    try {
      await waitReady(p, child);
      const single = measureLoad(p, '/classify', 1, textsFile);
      const batch32 = measureLoad(p, '/classify', 32, textsFile);
      results['anchor'] = { single, batch32 };
      for (const f of [single, batch32]) {
        rows.push(['fastapi+sklearn', f.batch, 'saturation c16', f.saturation.rps, f.saturation.rps * f.batch, f.saturation.p50, f.saturation.p99, f.saturation.p999, f.saturation.errors]);
        rows.push(['fastapi+sklearn', f.batch, `half: c${f.half.connections}`, f.half.rps, f.half.rps * f.batch, f.half.p50, f.half.p99, f.half.p999, f.half.errors]);
      }
    } finally {
      await stop(child);
    }
  }

  const m = machine();
  const command = `wrk -t1 -c{16|1|2|4} -d${DURATION}s -s ${ANCHORS}/rotate.lua (BATCH=1|32, texts: last 10,000 rows of ${DATA})`;
  process.stdout.write(`\nServing benchmark — ${m.cpu}, ${m.cores} cores, ${m.node}; server, wrk and anchor share the machine\n`);
  process.stdout.write(`load: ${command}\n`);
  process.stdout.write(`half load = the connection count whose measured rate is closest to half of saturation (wrk has no fixed-rate mode)\n\n`);
  process.stdout.write(`${table(['server', 'texts/req', 'load', 'req/s', 'texts/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'errors'], rows, 1)}\n\n`);
  for (const kind of ['fasttext', 'linear']) {
    const r = results[kind] as { inProcess: Awaited<ReturnType<typeof inProcess>>; serverOverInProcess: number; batch32: LoadFigures } | undefined;
    if (!r) continue;
    process.stdout.write(`${kind} in-process: ${Math.round(r.inProcess.oneThreadBatch1)} texts/s (1 thread, 1 text/call), ${Math.round(r.inProcess.oneThreadBatch32)} (1 thread, 32/call), `
      + `${Math.round(r.inProcess.allCoresBatch32)} (${cores} threads, 32/call, 16 in flight), ${Math.round(r.inProcess.allCoresBulk)} (${cores} threads, bulk); `
      + `server 32-text texts/s / in-process ${cores}-thread 32/call = ${(100 * r.serverOverInProcess).toFixed(0)}%\n`);
  }
  const path = writeResult('serve', { machine: m, command, data: DATA, results });
  process.stdout.write(`\nwrote ${path}\n`);
}

main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
