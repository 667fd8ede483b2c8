/**
 * Serving benchmark (`npm run bench:serve`): `lading serve` in its own process under wrk, measured
 * against the floor, with the fasttext and linear models trained on hs-goods label_4.
 *
 * The floor is a bare node:http server answering a fixed JSON (bench/floor-server.ts), loaded by the
 * same wrk in the same run; the model's ceiling is its in-process rate on the same threads, as the
 * issue defines it: the ParallelPredictor on all cores (2 here) predicting 10,000 texts per call
 * (the 32-text target is measured against this). Beside it, for reference, the same predictor
 * fed 32-text calls, 16 in flight (what a server's batches look like without HTTP). The machine is shared and noisy, so each round
 * measures all of them back to back, rounds repeat (LADING_BENCH_ROUNDS, default 3) and the summary
 * gives the median and the spread; the ratios within one round are the figures to trust. When
 * Debian's python3 has scikit-learn, FastAPI and uvicorn, the FastAPI anchor is measured once beside.
 *
 * wrk is closed-loop (no fixed-rate mode): "saturation" is 16 connections; "half load" is the
 * connection count (1, 2 or 4) whose measured rate comes closest to half the saturated rate.
 * Single-text and 32-text requests draw in turn from real texts (../shared/anchors/rotate.lua).
 *
 * Beside the rates, each run records the CPU time the server process spent per request (all its
 * threads, from /proc), and the in-process run its CPU per text: on a shared machine the rates swing
 * with what else runs, the CPU per request much less, so "floor CPU / lading CPU" is the steadier
 * figure of efficiency (on a quiet machine, where both servers are CPU-bound, the req/s ratio
 * follows it, give or take how lading's threads share the two cores with wrk).
 *
 * LADING_BENCH_SECONDS shortens each wrk run; LADING_BENCH_KINDS picks models (default
 * fasttext,linear); LADING_BENCH_BASELINE=/path/to/bin/lading.js adds a second lading build,
 * measured interleaved in the same rounds (before/after comparisons on a noisy machine).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLabelledFile } from '../src/data/read-labelled-file.js';
import { loadModel } from '../src/models/load-model.js';
import { ParallelPredictor } from '../src/models/parallel-predict.js';
import { table } from '../src/cli/output.js';
import { machine, writeResult } from './machine.js';
import { BIN, CACHE, DATA, DURATION, ANCHORS, halfLoad, log, stop, trainIfMissing, waitReady, wrk, type WrkResult } from './wrk-driver.js';

const ROUNDS = Math.max(1, Number(process.env['LADING_BENCH_ROUNDS'] ?? '3'));
const KINDS = (process.env['LADING_BENCH_KINDS'] ?? 'fasttext,linear').split(',').filter((k) => k.length > 0);
const BASELINE = process.env['LADING_BENCH_BASELINE'];
/** `serve --processes P` measured beside the one-process server in the same rounds (0 or 1 = not). */
const PROCESSES = Number(process.env['LADING_BENCH_PROCESSES'] ?? availableParallelism());
const FLOOR = fileURLToPath(new URL('./floor-server.js', import.meta.url));

/** Texts per second of one thread calling the model directly, `batch` texts per call. */
async function oneThreadRate(modelPath: string, texts: readonly string[]): Promise<{ batch1: number; batch32: number }> {
  const model = await loadModel(modelPath);
  const out = new Float32Array(32 * model.classifier.labels.length);
  const rate = (batch: number, seconds: number) => {
    let n = 0;
    const start = performance.now();
    for (let i = 0; performance.now() - start < seconds * 1000; i = (i + batch) % (texts.length - batch)) { model.classifier.predictProba(texts.slice(i, i + batch), out); n += batch; }
    return n / ((performance.now() - start) / 1000);
  };
  rate(32, 1);
  return { batch1: rate(1, 2), batch32: rate(32, 2) };
}

/**
 * What a server could do with no HTTP at all: 32-text calls, 16 in flight, on all threads; texts per
 * second and the CPU µs (this process, all threads) per text.
 */
async function inProcessBatch32(pp: ParallelPredictor, texts: readonly string[], seconds = 3): Promise<{ textsPerSecond: number; cpuUsPerText: number }> {
  const t = performance.now();
  const cpu = process.cpuUsage();
  let n = 0;
  while (performance.now() - t < seconds * 1000) {
    await Promise.all(Array.from({ length: 16 }, (_, k) => pp.predictProba(texts.slice((n + k * 32) % 10_000, (n + k * 32) % 10_000 + 32))));
    n += 16 * 32;
  }
  const used = process.cpuUsage(cpu);
  return { textsPerSecond: n / ((performance.now() - t) / 1000), cpuUsPerText: (used.user + used.system) / n };
}

/**
 * The issue's in-process rate: the model on all threads, large calls (10,000 texts, which the
 * ParallelPredictor cuts into chunks across its threads); texts per second.
 */
async function inProcessLarge(pp: ParallelPredictor, texts: readonly string[], seconds = 3): Promise<{ textsPerSecond: number; cpuUsPerText: number }> {
  const call = texts.slice(-10_000);
  const out = new Float32Array(new SharedArrayBuffer(call.length * pp.labels.length * 4));
  const t = performance.now();
  const cpu = process.cpuUsage();
  let n = 0;
  while (performance.now() - t < seconds * 1000) {
    await pp.predictProba(call, out);
    n += call.length;
  }
  const used = process.cpuUsage(cpu);
  return { textsPerSecond: n / ((performance.now() - t) / 1000), cpuUsPerText: (used.user + used.system) / n };
}

interface Round {
  floorRps: number;
  /**
   * The floor's 1-text p99 at 1 and 2 connections (the half-load connection counts lading's
   * servers land on): the machine's own tail latency, beside the < 2 ms target (on 2026-12-07's VM
   * the bare server's p99 at one connection was 1.9-2.3 ms by itself).
   */
  floorP99c1: number;
  floorP99c2: number;
  /** Texts/s in-process on all threads with 10,000-text calls (the issue's definition). */
  inProcessLargeTextsPerSecond: number;
  inProcessLargeCpuUsPerText: number;
  floorCpuUsPerRequest: number;
  inProcessCpuUsPerText: number;
  single: WrkResult;
  batch32: WrkResult;
  half: WrkResult;
  inProcessTextsPerSecond: number;
  baseline?: { single: WrkResult; batch32: WrkResult; half: WrkResult } | undefined;
  processes?: { single: WrkResult; batch32: WrkResult; half: WrkResult } | undefined;
}

const median = (xs: readonly number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const spread = (xs: readonly number[]) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;
function fmt(x: number): string { return Math.abs(x) >= 100 ? String(Math.round(x)) : x.toFixed(2); }

async function startLading(bin: string, modelPath: string, kind: string, port: number, cores: number, textsFile: string, extra: readonly string[] = []): Promise<ChildProcess & { pid: number }> {
  // The serving path alone: the prediction log's cost is bench:monitor's figure (log on against off).
  // An environment variable, not --no-log, so that a baseline build from before the log takes it too.
  const child = spawn(process.execPath, [bin, 'serve', '--model', modelPath, '--name', kind, '--port', String(port), '--workers', String(cores), '--home', join(CACHE, 'serve-home'), ...extra],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LADING_LOG: 'false' } });
  await waitReady(port, child);
  const path = `/v1/models/${kind}:classify`;
  wrk(port, path, 1, 16, textsFile, '2'); // JIT warm-up
  wrk(port, path, 32, 16, textsFile, '2');
  return child as ChildProcess & { pid: number };
}

function measureLading(port: number, pid: number, kind: string, textsFile: string): { single: WrkResult; batch32: WrkResult; half: WrkResult } {
  const path = `/v1/models/${kind}:classify`;
  const single = wrk(port, path, 1, 16, textsFile, DURATION, pid);
  const batch32 = wrk(port, path, 32, 16, textsFile, DURATION, pid);
  const half = halfLoad(port, path, 1, single.rps, textsFile);
  return { single, batch32, half };
}

async function benchKind(kind: string, texts: readonly string[], textsFile: string, cores: number, ports: () => number): Promise<{ oneThread: { batch1: number; batch32: number }; rounds: Round[] }> {
  const modelPath = trainIfMissing(kind);
  log(`${kind}: one-thread in-process speed...`);
  const oneThread = await oneThreadRate(modelPath, texts);
  const pp = await ParallelPredictor.open(modelPath, cores);
  const children: ChildProcess[] = [];
  try {
    await inProcessBatch32(pp, texts, 1); // warm-up
    await inProcessLarge(pp, texts, 1);
    const floorPort = ports();
    const floor = spawn(process.execPath, [FLOOR, String(floorPort)], { stdio: ['ignore', 'ignore', 'inherit'] }) as ChildProcess & { pid: number };
    children.push(floor);
    await waitReady(floorPort, floor);
    wrk(floorPort, '/', 1, 16, textsFile, '2');
    log(`${kind}: starting lading serve...`);
    const port = ports();
    const mineChild = await startLading(BIN, modelPath, kind, port, cores, textsFile);
    children.push(mineChild);
    let base: { port: number; pid: number } | undefined;
    if (BASELINE) {
      const basePort = ports();
      const c = await startLading(BASELINE, modelPath, kind, basePort, cores, textsFile);
      children.push(c);
      base = { port: basePort, pid: c.pid };
    }
    let procs: { port: number; pid: number } | undefined;
    if (PROCESSES > 1) {
      const procPort = ports();
      const c = await startLading(BIN, modelPath, kind, procPort, cores, textsFile, ['--processes', String(PROCESSES)]);
      children.push(c);
      procs = { port: procPort, pid: c.pid };
    }
    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      log(`${kind}: round ${r + 1}/${ROUNDS}`);
      const floor1 = wrk(floorPort, `/v1/models/${kind}:classify`, 1, 16, textsFile, DURATION, floor.pid);
      const floorC1 = wrk(floorPort, `/v1/models/${kind}:classify`, 1, 1, textsFile);
      const floorC2 = wrk(floorPort, `/v1/models/${kind}:classify`, 1, 2, textsFile);
      const baseline = base !== undefined && r % 2 === 0 ? measureLading(base.port, base.pid, kind, textsFile) : undefined;
      const mine = measureLading(port, mineChild.pid, kind, textsFile);
      const processes = procs !== undefined ? measureLading(procs.port, procs.pid, kind, textsFile) : undefined;
      const baselineAfter = base !== undefined && r % 2 === 1 ? measureLading(base.port, base.pid, kind, textsFile) : undefined;
      const inProcess = await inProcessBatch32(pp, texts);
      const large = await inProcessLarge(pp, texts);
      rounds.push({
        inProcessLargeTextsPerSecond: large.textsPerSecond, inProcessLargeCpuUsPerText: large.cpuUsPerText,
        floorRps: floor1.rps, floorCpuUsPerRequest: floor1.cpuUsPerRequest, floorP99c1: floorC1.p99, floorP99c2: floorC2.p99, ...mine,
        inProcessTextsPerSecond: inProcess.textsPerSecond, inProcessCpuUsPerText: inProcess.cpuUsPerText, baseline: baseline ?? baselineAfter, processes,
      });
    }
    return { oneThread, rounds };
  } finally {
    await Promise.all(children.map(stop));
    await pp.close();
  }
}

/**
 * The FastAPI + uvicorn + scikit-learn anchor (../shared/anchors/fastapi_anchor.py), once, when
 * Debian's python3 has the packages; its rows join the table.
 */
async function anchor(textsFile: string, port: number, rows: Array<Array<string | number>>): Promise<unknown> {
  const python = '/usr/bin/python3';
  if (spawnSync(python, ['-c', 'import sklearn, fastapi, uvicorn'], { encoding: 'utf8' }).status !== 0) {
    const skipped = 'python3-sklearn / python3-fastapi / python3-uvicorn are not installed (apt-get install -y python3-sklearn python3-fastapi python3-uvicorn)';
    log(`anchor skipped: ${skipped}`);
    return { skipped };
  }
  const anchorDir = join(CACHE, 'anchor');
  mkdirSync(anchorDir, { recursive: true });
  const env = { ...process.env, ANCHOR_DIR: anchorDir };
  if (!existsSync(join(anchorDir, 'hs4_svc.pkl'))) {
    log('training the FastAPI anchor (about 4 minutes, cached)...');
    execFileSync(python, ['fastapi_anchor.py', 'train'], { cwd: ANCHORS, env, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const child = spawn(python, ['fastapi_anchor.py', 'serve', String(port)], { cwd: ANCHORS, env, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitReady(port, child, '/docs');
    const out: Record<string, WrkResult> = {};
    for (const batch of [1, 32]) {
      wrk(port, '/classify', batch, 16, textsFile, '2');
      const saturation = wrk(port, '/classify', batch, 16, textsFile, DURATION, child.pid);
      const half = halfLoad(port, '/classify', batch, saturation.rps, textsFile);
      out[`batch${batch}`] = saturation;
      out[`batch${batch}Half`] = half;
      rows.push(['fastapi+sklearn', '-', `${batch}-text c16`, saturation.rps, saturation.p50, saturation.p99, saturation.p999, saturation.errors]);
      rows.push(['fastapi+sklearn', '-', `${batch}-text half c${half.connections}`, half.rps, half.p50, half.p99, half.p999, half.errors]);
    }
    return out;
  } finally {
    await stop(child);
  }
}

/**
 * The most any server could reach here, whatever its design: wrk runs on the same cores, so every
 * request costs at least the floor's CPU (bare node:http), the model's CPU for its texts, and wrk's
 * own CPU, and all of it shares `cores`. For 32-text requests the model's cost is the in-process
 * CPU per text (10,000/call) and the floor's HTTP cost is that of a 1-text request (a lower bound:
 * a 2 KB body costs more to read). The targets (0.60 of the floor, 0.85 of in-process) are only
 * reachable where these bounds are above them.
 */
function cpuBound(x: Round, cores: number, modelUsPerText: number): { singleBoundOverFloor: number; batch32BoundOverInProcessLarge: number } {
  const singleBound = (cores * 1e6) / (x.floorCpuUsPerRequest + modelUsPerText + x.single.loadCpuUsPerRequest);
  const batch32Bound = (cores * 1e6) / (x.inProcessLargeCpuUsPerText + (x.floorCpuUsPerRequest + x.batch32.loadCpuUsPerRequest) / 32);
  return { singleBoundOverFloor: singleBound / x.floorRps, batch32BoundOverInProcessLarge: batch32Bound / x.inProcessLargeTextsPerSecond };
}

async function main(): Promise<void> {
  mkdirSync(CACHE, { recursive: true });
  const texts = (await readLabelledFile(DATA, { text: 'text', labels: ['label_4'] })).texts.map((t) => t.replace(/[\r\n\t]+/g, ' '));
  // The last 10,000 rows, one per line, for wrk to cycle through.
  const textsFile = join(CACHE, 'texts.txt');
  writeFileSync(textsFile, `${texts.slice(-10_000).join('\n')}\n`);
  const cores = availableParallelism();
  let port = 18_080;
  const results: Record<string, unknown> = {};
  const rows: Array<Array<string | number>> = [];
  const summary: Array<Array<string | number>> = [];

  for (const kind of KINDS) {
    const r = await benchKind(kind, texts, textsFile, cores, () => port++);
    // The model's own CPU per text on one thread, one text per call: what a single-text request
    // costs beyond HTTP however well a server is built.
    const modelUsPerText = 1e6 / r.oneThread.batch1;
    const perRound = r.rounds.map((x) => ({
      floorRps: x.floorRps,
      wrkCpuSingle: x.single.loadCpuUsPerRequest,
      wrkCpuBatch32: x.batch32.loadCpuUsPerRequest,
      ...cpuBound(x, cores, modelUsPerText),
      singleRps: x.single.rps,
      batch32TextsPerSecond: x.batch32.rps * 32,
      halfP99: x.half.p99,
      halfRps: x.half.rps,
      halfConnections: x.half.connections,
      floorP99c1: x.floorP99c1,
      floorP99c2: x.floorP99c2,
      inProcess: x.inProcessTextsPerSecond,
      inProcessLarge: x.inProcessLargeTextsPerSecond,
      batch32OverInProcessLarge: (x.batch32.rps * 32) / x.inProcessLargeTextsPerSecond,
      singleOverFloor: x.single.rps / x.floorRps,
      batch32OverInProcess: (x.batch32.rps * 32) / x.inProcessTextsPerSecond,
      floorCpu: x.floorCpuUsPerRequest,
      singleCpu: x.single.cpuUsPerRequest,
      floorCpuOverSingleCpu: x.floorCpuUsPerRequest / x.single.cpuUsPerRequest,
      batch32CpuPerText: x.batch32.cpuUsPerRequest / 32,
      inProcessCpuPerText: x.inProcessCpuUsPerText,
      inProcessCpuOverBatch32Cpu: x.inProcessCpuUsPerText / (x.batch32.cpuUsPerRequest / 32),
      inProcessLargeCpu: x.inProcessLargeCpuUsPerText,
      inProcessLargeCpuOverBatch32Cpu: x.inProcessLargeCpuUsPerText / (x.batch32.cpuUsPerRequest / 32),
      ...(x.processes ? {
        procSingleRps: x.processes.single.rps,
        procSingleOverFloor: x.processes.single.rps / x.floorRps,
        procBatch32TextsPerSecond: x.processes.batch32.rps * 32,
        procBatch32OverInProcessLarge: (x.processes.batch32.rps * 32) / x.inProcessLargeTextsPerSecond,
        procHalfP99: x.processes.half.p99,
        procHalfRps: x.processes.half.rps,
        procHalfConnections: x.processes.half.connections,
        procSingleCpu: x.processes.single.cpuUsPerRequest,
        procBatch32CpuPerText: x.processes.batch32.cpuUsPerRequest / 32,
      } : {}),
      ...(x.baseline ? {
        baselineSingleOverFloor: x.baseline.single.rps / x.floorRps,
        baselineBatch32OverInProcess: (x.baseline.batch32.rps * 32) / x.inProcessTextsPerSecond,
        baselineBatch32OverInProcessLarge: (x.baseline.batch32.rps * 32) / x.inProcessLargeTextsPerSecond,
        baselineHalfP99: x.baseline.half.p99,
        baselineFloorCpuOverSingleCpu: x.floorCpuUsPerRequest / x.baseline.single.cpuUsPerRequest,
        baselineInProcessCpuOverBatch32Cpu: x.inProcessCpuUsPerText / (x.baseline.batch32.cpuUsPerRequest / 32),
        baselineInProcessLargeCpuOverBatch32Cpu: x.inProcessLargeCpuUsPerText / (x.baseline.batch32.cpuUsPerRequest / 32),
      } : {}),
    }));
    const figures: Array<[string, keyof (typeof perRound)[number], string]> = [
      ['floor (bare node:http) req/s', 'floorRps', ''],
      ['lading 1-text req/s (c16)', 'singleRps', ''],
      ['lading / floor req/s', 'singleOverFloor', '≥ 0.60'],
      ['lading 32-text texts/s (c16)', 'batch32TextsPerSecond', ''],
      [`in-process texts/s (${cores} threads, 10,000/call)`, 'inProcessLarge', ''],
      ['lading 32-text / in-process', 'batch32OverInProcessLarge', '≥ 0.85'],
      [`in-process texts/s (${cores} threads, 32/call, 16 in flight)`, 'inProcess', ''],
      ['lading 32-text / in-process 32/call', 'batch32OverInProcess', ''],
      ['1-text p99 ms at half load', 'halfP99', '< 2'],
      ['1-text req/s at half load', 'halfRps', ''],
      ['  connections at half load', 'halfConnections', ''],
      ['floor 1-text p99 ms at 1 connection (the machine\'s own tail)', 'floorP99c1', ''],
      ['floor 1-text p99 ms at 2 connections', 'floorP99c2', ''],
      ['CPU-sum bound / floor, 1-text', 'singleBoundOverFloor', ''],
      ['CPU-sum bound / in-process, 32-text', 'batch32BoundOverInProcessLarge', ''],
      ['wrk CPU µs/request, 1-text', 'wrkCpuSingle', ''],
      ['wrk CPU µs/request, 32-text', 'wrkCpuBatch32', ''],
      ['floor CPU µs/request', 'floorCpu', ''],
      ['lading 1-text CPU µs/request', 'singleCpu', ''],
      ['floor CPU / lading CPU per request', 'floorCpuOverSingleCpu', ''],
      ['lading 32-text CPU µs/text', 'batch32CpuPerText', ''],
      ['in-process CPU µs/text (10,000/call)', 'inProcessLargeCpu', ''],
      ['in-process CPU / lading CPU per text', 'inProcessLargeCpuOverBatch32Cpu', ''],
      ['in-process CPU µs/text (32/call)', 'inProcessCpuPerText', ''],
      ['in-process 32/call CPU / lading CPU per text', 'inProcessCpuOverBatch32Cpu', ''],
    ];
    if (PROCESSES > 1) {
      const p = `lading --processes ${PROCESSES}`;
      figures.push(
        [`${p} 1-text req/s (c16)`, 'procSingleRps', ''], [`${p} / floor req/s`, 'procSingleOverFloor', '≥ 0.60'],
        [`${p} 32-text texts/s (c16)`, 'procBatch32TextsPerSecond', ''], [`${p} 32-text / in-process`, 'procBatch32OverInProcessLarge', '≥ 0.85'],
        [`${p} 1-text p99 ms at half load`, 'procHalfP99', '< 2'], [`${p} 1-text req/s at half load`, 'procHalfRps', ''], [`${p} connections at half load`, 'procHalfConnections', ''],
        [`${p} 1-text CPU µs/request`, 'procSingleCpu', ''], [`${p} 32-text CPU µs/text`, 'procBatch32CpuPerText', ''],
      );
    }
    if (BASELINE) {
      figures.push(
        ['baseline / floor req/s', 'baselineSingleOverFloor', ''], ['baseline 32-text / in-process', 'baselineBatch32OverInProcessLarge', ''],
        ['baseline 32-text / in-process 32/call', 'baselineBatch32OverInProcess', ''],
        ['baseline 1-text p99 ms at half load', 'baselineHalfP99', ''], ['floor CPU / baseline CPU per request', 'baselineFloorCpuOverSingleCpu', ''],
        ['in-process CPU / baseline CPU per text', 'baselineInProcessLargeCpuOverBatch32Cpu', ''],
        ['in-process 32/call CPU / baseline CPU per text', 'baselineInProcessCpuOverBatch32Cpu', ''],
      );
    }
    for (const [name, key, target] of figures) {
      const xs = perRound.map((p) => p[key] as number);
      summary.push([kind, name, ...xs.map(fmt), fmt(median(xs)), spread(xs), target]);
    }
    for (const [i, x] of r.rounds.entries()) {
      for (const [what, w] of [['1-text c16', x.single], ['32-text c16', x.batch32], [`1-text half c${x.half.connections}`, x.half]] as const) {
        rows.push([kind, i + 1, what, w.rps, w.p50, w.p99, w.p999, w.errors]);
      }
      if (x.processes) {
        const p = x.processes;
        for (const [what, w] of [['1-text c16', p.single], ['32-text c16', p.batch32], [`1-text half c${p.half.connections}`, p.half]] as const) {
          rows.push([kind, i + 1, `${what}, ${PROCESSES} processes`, w.rps, w.p50, w.p99, w.p999, w.errors]);
        }
      }
    }
    results[kind] = { oneThread: r.oneThread, rounds: r.rounds, perRound };
    log(`${kind} in-process: ${Math.round(r.oneThread.batch1)} texts/s (1 thread, 1 text/call), ${Math.round(r.oneThread.batch32)} (1 thread, 32/call)`);
  }

  results['anchor'] = await anchor(textsFile, port++, rows);

  const m = machine();
  const command = `wrk -t1 -c{16|1|2|4} -d${DURATION}s -s ${ANCHORS}/rotate.lua (BATCH=1|32, texts: last 10,000 rows of ${DATA})`;
  process.stdout.write(`\nServing benchmark — ${m.cpu}, ${m.cores} cores, ${m.node}, load average ${m.loadAverage1m}; server, wrk, floor and anchor share the machine\n`);
  process.stdout.write(`load: ${command}; lading serve --workers ${cores}${PROCESSES > 1 ? ` and lading serve --processes ${PROCESSES}` : ''}; ${ROUNDS} interleaved rounds\n`);
  process.stdout.write(`half load = the connection count whose measured rate is closest to half of saturation (wrk has no fixed-rate mode)\n\n`);
  process.stdout.write(`${table(['model', 'round', 'load', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'errors'], rows, 1)}\n\n`);
  const roundHeads = Array.from({ length: ROUNDS }, (_, i) => `r${i + 1}`);
  process.stdout.write(`${table(['model', 'figure', ...roundHeads, 'median', 'spread', 'target'], summary, 2)}\n`);
  for (const kind of KINDS) {
    const o = (results[kind] as { oneThread: { batch1: number; batch32: number } }).oneThread;
    process.stdout.write(`${kind} in-process on one thread: ${Math.round(o.batch1)} texts/s (1 text/call), ${Math.round(o.batch32)} (32/call)\n`);
  }
  const path = writeResult('serve', { machine: m, command, data: DATA, rounds: ROUNDS, baseline: BASELINE ?? null, results });
  process.stdout.write(`\nwrote ${path}\n`);
}

main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
