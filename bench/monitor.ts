/**
 * Monitoring benchmark (`npm run bench:monitor`), in one run, on the HS4 fasttext model:
 * - serving with the prediction log on and off (`lading serve` vs `lading serve --no-log`, the same
 *   wrk load, interleaved rounds): single-text requests/s and 32-text texts/s; the budget is 10%;
 * - log ingest into SQLite (and PostgreSQL when LADING_BENCH_PG_URL or LADING_TEST_PG_URL is set),
 *   rows/s of realistic 1,000-row batches, and into SQLite as the log grows (the last 500k of 2M
 *   rows with distinct texts: a lookup index whose cost grows with the log shows there);
 * - `monitor report` (drift against the reference, CBPE estimate, real accuracy) over 1M logged
 *   predictions, and the memory of `lading serve --monitor` across 1M predictions;
 * - the drift detectors' quality on the shared datasets (bench/monitor-detectors.ts): false alarms on
 *   same-source windows, windows until each kind of shift is flagged, and a 100k-window report's time.
 * LADING_BENCH_ROUNDS (default 3), LADING_BENCH_SECONDS (default 8), LADING_BENCH_MONITOR_ROWS (1M).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { table } from '../src/cli/output.js';
import { readLabelledFile } from '../src/data/read-labelled-file.js';
import { loadModel } from '../src/models/load-model.js';
import { decodeProfile } from '../src/monitoring/profile/profile-codec.js';
import { buildMonitorReport } from '../src/monitoring/report/monitor-report.js';
import type { MonitoringStore } from '../src/monitoring/store/monitoring-store.js';
import { openMonitoringStore, saveReferenceProfile } from '../src/platform/index.js';
import { machine, writeResult } from './machine.js';
import { measureDetectorQuality, renderDetectorQuality, type DetectorQualityResult } from './monitor-detectors.js';
import { ingestBatches, measureIngest, measureSustainedIngest } from './monitor-ingest.js';
import { logSwitched } from './monitor-switch.js';
import { BIN, CACHE, DATA, DURATION, log, stop, trainIfMissing, waitReady, wrk, type WrkResult } from './wrk-driver.js';

const ROUNDS = Math.max(1, Number(process.env['LADING_BENCH_ROUNDS'] ?? '3'));
const MONITOR_ROWS = Number(process.env['LADING_BENCH_MONITOR_ROWS'] ?? '1000000');
const PG_URL = process.env['LADING_BENCH_PG_URL'] ?? process.env['LADING_TEST_PG_URL'];
/**
 * LADING_BENCH_MONITOR_PARTS: a comma list of quality, ingest, report, switch, onoff, memory (default
 * all), to re-measure one part. `switch` is the log on/off budget measured in one process (the fair
 * figure: bench/monitor-switch.ts); `onoff` the same between fresh processes, for comparison.
 */
const PARTS = new Set((process.env['LADING_BENCH_MONITOR_PARTS'] ?? 'quality,ingest,report,switch,onoff,memory').split(',').map((p) => p.trim()));
const median = (xs: readonly number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const span = (xs: readonly number[], d = 0) => `${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}`;

async function startServe(model: string, port: number, home: string, logOn: boolean, extra: readonly string[] = []): Promise<ChildProcess & { pid: number }> {
  const args = [BIN, 'serve', '--model', model, '--name', 'hs4', '--port', String(port), '--workers', String(availableParallelism()), '--home', home, ...extra];
  if (!logOn) args.push('--no-log');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitReady(port, child);
  return child as ChildProcess & { pid: number };
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface OnOffRun { single: WrkResult; batch32: WrkResult; answered: number; logged: number }

/**
 * Saturated serving with the log on and off. At saturation the log writer (a nice-19 thread) gets
 * only the CPU serving leaves, so what it could not write is dropped and counted: the share of
 * answers logged is reported beside the throughput, so neither figure hides the other.
 */
async function logOnOff(model: string, textsFile: string): Promise<Array<{ on: OnOffRun; off: OnOffRun }>> {
  const rounds = [];
  let port = 19300;
  for (let r = 0; r < ROUNDS; r++) {
    const round: Record<string, OnOffRun> = {};
    for (const mode of r % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
      const home = mkdtempSync(join(tmpdir(), 'lading-bench-monitor-'));
      const child = await startServe(model, port, home, mode === 'on');
      const path = '/v1/models/hs4:classify';
      try {
        const warm = wrk(port, path, 1, 16, textsFile, '2');
        const single = wrk(port, path, 1, 16, textsFile, DURATION, child.pid);
        const batch32 = wrk(port, path, 32, 16, textsFile, DURATION, child.pid);
        await stop(child);
        let logged = 0;
        if (mode === 'on') {
          const store = await openMonitoringStore({ kind: 'sqlite', path: join(home, 'monitoring.sqlite') });
          logged = await store.countPredictions({ endpoint: 'hs4' });
          await store.close();
        }
        round[mode] = { single, batch32, answered: warm.requests + single.requests + batch32.requests * 32, logged };
        log(`round ${r + 1} log ${mode}: ${Math.round(single.rps)} req/s single, ${Math.round(batch32.rps * 32)} texts/s in 32-text requests${mode === 'on' ? `; ${logged} of ${round[mode]!.answered} answers logged` : ''}`);
      } finally {
        await stop(child);
        rmSync(home, { recursive: true, force: true });
        port++;
      }
    }
    rounds.push({ on: round['on']!, off: round['off']! });
  }
  return rounds;
}

/**
 * RSS of a `lading serve --monitor` sampled while it answers `texts` predictions in 32-text
 * requests: the log's queue and the monitor's evaluations (every 5 s here, over the default rules'
 * windows of a growing log) must not grow with the predictions served.
 */
async function memoryOver(model: string, textsFile: string, texts: number): Promise<{ predictions: number; rssMiB: number[]; logged: number }> {
  const home = mkdtempSync(join(tmpdir(), 'lading-bench-monitor-mem-'));
  const port = 19390;
  const child = await startServe(model, port, home, true, ['--monitor', '--monitor-interval-ms', '5000']);
  const samples: number[] = [];
  try {
    let done = 0;
    while (done < texts) {
      const r = wrk(port, '/v1/models/hs4:classify', 32, 16, textsFile, '5', child.pid);
      done += r.requests * 32;
      samples.push(rssMiB(child.pid));
      log(`memory: ${done} predictions, RSS ${samples.at(-1)!.toFixed(0)} MiB`);
    }
    await stop(child);
    const store = await openMonitoringStore({ kind: 'sqlite', path: join(home, 'monitoring.sqlite') });
    const logged = await store.countPredictions({ endpoint: 'hs4' });
    await store.close();
    return { predictions: done, rssMiB: samples, logged };
  } finally {
    await stop(child);
    rmSync(home, { recursive: true, force: true });
  }
}

/** Rows of the sustained-ingest figure: the rate is taken over the last quarter of them. */
const SUSTAINED_ROWS = 2_000_000;
const SUSTAINED = `sqlite, last 500k of ${SUSTAINED_ROWS / 1e6}M distinct texts`;

async function ingest(): Promise<Record<string, number[]>> {
  /** ROUNDS rates, each into a fresh SQLite file. */
  const sqliteRounds = async (measure: (store: MonitoringStore) => Promise<{ rowsPerSecond: number }>) => {
    const rates: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const dir = mkdtempSync(join(tmpdir(), 'lading-bench-ingest-'));
      const store = await openMonitoringStore({ kind: 'sqlite', path: join(dir, 'monitoring.sqlite') });
      rates.push((await measure(store)).rowsPerSecond);
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
    return rates;
  };
  const out: Record<string, number[]> = {
    sqlite: await sqliteRounds((store) => measureIngest(store, 200_000)),
    [SUSTAINED]: await sqliteRounds((store) => measureSustainedIngest(store, SUSTAINED_ROWS)),
  };
  if (PG_URL !== undefined) {
    out['postgres'] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const schema = `bench_mon_${process.pid}_${r}`;
      try {
        const store = await openMonitoringStore({ kind: 'postgres', url: PG_URL, schema });
        out['postgres'].push((await measureIngest(store, 100_000)).rowsPerSecond);
        await store.close();
      } catch (e) {
        log(`postgres ingest not measured: ${(e as Error).message}`);
        delete out['postgres'];
        break;
      }
    }
  }
  return out;
}

/**
 * `monitor report` over `rows` logged predictions of a model whose reference profile is stored,
 * ROUNDS times (seconds of each), and as many bare scans of the same window (scanPredictionColumns,
 * nothing done with the pages): what the report spends reading, the rest being its own summing.
 */
async function reportOver(model: string, rows: number): Promise<{ rows: number; seconds: number[]; scanSeconds: number[]; driftTests: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'lading-bench-report-'));
  const store = await openMonitoringStore({ kind: 'sqlite', path: join(dir, 'monitoring.sqlite') });
  try {
    const loaded = await loadModel(model);
    const sha = loaded.fileSha256;
    const texts = (await readLabelledFile(DATA, { text: 'text', labels: ['label_4'] }));
    // A reference profile from a slice of the data scored by the model itself (the real one is built at training time).
    const n = Math.min(5000, texts.texts.length);
    const labels = loaded.header.labels;
    const proba = new Float32Array(n * labels.length);
    loaded.classifier.predictProba(texts.texts.slice(0, n), proba);
    const index = new Map(labels.map((l, i) => [l, i]));
    await saveReferenceProfile({ home: dir, registryUrl: undefined, registrySchema: 'public' }, {
      sha256: sha, trainTexts: texts.texts.slice(n), validation: { texts: texts.texts.slice(0, n), y: Int32Array.from(texts.labels['label_4']!.slice(0, n), (l) => index.get(l) ?? 0), proba },
      meta: loaded.header,
    }, { model: 'hs4', version: '1' });
    const batches = Math.ceil(rows / 1000);
    const at0 = Date.now() - batches * 1000;
    for (let b = 0; b < batches; b += 50) {
      for (const batch of ingestBatches(Math.min(50, batches - b), 'hs4', at0 + b * 1000)) {
        await store.appendPredictions(batch.map((r) => ({ ...r, modelSha256: sha, model: 'hs4', version: '1' })));
      }
    }
    const seconds: number[] = [];
    const scanSeconds: number[] = [];
    let report: Awaited<ReturnType<typeof buildMonitorReport>> | undefined;
    for (let r = 0; r < ROUNDS; r++) {
      let started = performance.now();
      report = await buildMonitorReport(store, 'hs4', { since: 0 }, async (s) => {
        const json = await store.getProfile(s);
        return json === undefined ? undefined : decodeProfile(json);
      });
      seconds.push((performance.now() - started) / 1000);
      started = performance.now();
      let scanned = 0;
      for await (const page of store.scanPredictionColumns({ endpoint: 'hs4', since: 0 })) scanned += page.length;
      scanSeconds.push((performance.now() - started) / 1000);
      log(`monitor report round ${r + 1}: ${seconds.at(-1)!.toFixed(2)} s; a bare scan of its ${scanned} rows ${scanSeconds.at(-1)!.toFixed(2)} s`);
    }
    return { rows: report!.variants.reduce((a, v) => a + v.predictions, 0), seconds, scanSeconds, driftTests: report!.variants[0]?.drift?.tests.length ?? 0 };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const model = trainIfMissing('fasttext');
  const texts = (await readLabelledFile(DATA, { text: 'text', labels: ['label_4'] })).texts.map((t) => t.replace(/[\r\n\t]+/g, ' '));
  const textsFile = join(CACHE, 'texts.txt');
  writeFileSync(textsFile, `${texts.slice(0, 20000).join('\n')}\n`);

  const quality = PARTS.has('quality') ? await measureDetectorQuality({ speedRows: 100_000, log }) : { rows: [], speed: null, profileBytes: {}, packagingPhrases: {} } satisfies DetectorQualityResult;
  const ingestRates = PARTS.has('ingest') ? await ingest() : {};
  const report = PARTS.has('report') ? await reportOver(model, MONITOR_ROWS) : { rows: 0, seconds: [NaN], scanSeconds: [NaN], driftTests: 0 };
  log(`monitor report over ${report.rows} predictions: best ${Math.min(...report.seconds).toFixed(2)} s (${span(report.seconds, 2)}), bare scan ${Math.min(...report.scanSeconds).toFixed(2)} s`);
  const switched = PARTS.has('switch') ? await logSwitched(model, textsFile, ROUNDS, 19360) : [];
  const rounds = PARTS.has('onoff') ? await logOnOff(model, textsFile) : [];
  const memory = PARTS.has('memory') ? await memoryOver(model, textsFile, MONITOR_ROWS) : { predictions: 0, rssMiB: [NaN], logged: 0 };

  const singleRatio = rounds.map((r) => r.on.single.rps / r.off.single.rps);
  const batchRatio = rounds.map((r) => r.on.batch32.rps / r.off.batch32.rps);
  const sw = (f: (r: (typeof switched)[number]) => number, d = 0): [string, string] => {
    const xs = switched.map(f);
    return xs.length === 0 ? ['-', '-'] : [median(xs).toFixed(d), span(xs, d)];
  };
  const rows: Array<Array<string | number>> = [
    ['one process, log switched: single-text req/s, off', ...sw((r) => r.single.off.rps), ''],
    ['  on', ...sw((r) => r.single.on.rps), ''],
    ['  on / off', ...sw((r) => r.single.on.rps / r.single.off.rps, 2), '>= 0.90'],
    ['one process, log switched: 32-text texts/s, off', ...sw((r) => r.batch32.off.rps * 32), ''],
    ['  on', ...sw((r) => r.batch32.on.rps * 32), ''],
    ['  on / off', ...sw((r) => r.batch32.on.rps / r.batch32.off.rps, 2), '>= 0.90'],
    ['  server CPU µs per single-text request, off / on', `${sw((r) => r.single.off.cpuUsPerRequest)[0]} / ${sw((r) => r.single.on.cpuUsPerRequest)[0]}`, `${sw((r) => r.single.off.cpuUsPerRequest)[1]} / ${sw((r) => r.single.on.cpuUsPerRequest)[1]}`, ''],
    ['  answers logged while on (share; rows stored while off)', sw((r) => r.logged / r.answeredOn, 2)[0], `${sw((r) => r.logged / r.answeredOn, 2)[1]}; ${switched.reduce((a, r) => a + r.loggedWhileOff, 0)}`, 'rest dropped, counted; 0'],
    ['fresh processes: single-text req/s, log off', Math.round(median(rounds.map((r) => r.off.single.rps))), span(rounds.map((r) => r.off.single.rps)), ''],
    ['fresh processes: single-text req/s, log on', Math.round(median(rounds.map((r) => r.on.single.rps))), span(rounds.map((r) => r.on.single.rps)), ''],
    ['  on / off', median(singleRatio).toFixed(2), span(singleRatio, 2), '>= 0.90'],
    ['fresh processes: 32-text texts/s, log off', Math.round(median(rounds.map((r) => r.off.batch32.rps * 32))), span(rounds.map((r) => r.off.batch32.rps * 32)), ''],
    ['fresh processes: 32-text texts/s, log on', Math.round(median(rounds.map((r) => r.on.batch32.rps * 32))), span(rounds.map((r) => r.on.batch32.rps * 32)), ''],
    ['  on / off', median(batchRatio).toFixed(2), span(batchRatio, 2), '>= 0.90'],
    // The server's CPU (all threads) per request is far less sensitive than its rate to what else runs on a shared box.
    ['server CPU µs per single-text request, log off / on', `${median(rounds.map((r) => r.off.single.cpuUsPerRequest)).toFixed(0)} / ${median(rounds.map((r) => r.on.single.cpuUsPerRequest)).toFixed(0)}`,
      `${span(rounds.map((r) => r.off.single.cpuUsPerRequest))} / ${span(rounds.map((r) => r.on.single.cpuUsPerRequest))}`, ''],
    ['server CPU µs per 32-text request, log off / on', `${median(rounds.map((r) => r.off.batch32.cpuUsPerRequest)).toFixed(0)} / ${median(rounds.map((r) => r.on.batch32.cpuUsPerRequest)).toFixed(0)}`,
      `${span(rounds.map((r) => r.off.batch32.cpuUsPerRequest))} / ${span(rounds.map((r) => r.on.batch32.cpuUsPerRequest))}`, ''],
    ['answers logged at saturation (share, log on)', median(rounds.map((r) => r.on.logged / r.on.answered)).toFixed(2), span(rounds.map((r) => r.on.logged / r.on.answered), 2), 'rest dropped, counted'],
    ...Object.entries(ingestRates).map(([k, v]) => [`log ingest rows/s, ${k}`, Math.round(median(v)), span(v), k === 'postgres' ? '>= 30000' : '>= 100000']),
    [`drift report, ${quality.speed?.rows ?? 0}-prediction window (ms, first / warm best)`, `${quality.speed?.coldMs ?? '-'} / ${quality.speed?.warmMs ?? '-'}`, `${quality.speed?.warmMs ?? '-'}–${quality.speed?.warmWorstMs ?? '-'}`, '< 2000'],
    ['  streamed from column pages, as monitor report runs it (ms, best)', quality.speed?.streamedMs ?? '-', `${quality.speed?.streamedMs ?? '-'}–${quality.speed?.streamedWorstMs ?? '-'}`, '< 2000'],
    [`monitor report over ${report.rows} logged predictions (s, best)`, Math.min(...report.seconds).toFixed(2), span(report.seconds, 2), '< 10'],
    ['  of which a bare scan of the window (s, best)', Math.min(...report.scanSeconds).toFixed(2), span(report.scanSeconds, 2), ''],
    [`serve --monitor RSS over ${memory.predictions} predictions (MiB, first / last / max)`, `${memory.rssMiB[0]?.toFixed(0)} / ${memory.rssMiB.at(-1)?.toFixed(0)} / ${Math.max(...memory.rssMiB).toFixed(0)}`, '', 'flat'],
    ['  of which logged (rest dropped and counted)', memory.logged, '', ''],
  ];
  const m = machine();
  process.stdout.write(`bench:monitor on ${m.cpu}, ${m.cores} cores, Node ${m.node}; HS4 fasttext (hs-goods label_4); ${ROUNDS} rounds, wrk -t1 -c16 -d${DURATION}s\n`);
  process.stdout.write(`command: npm run bench:monitor\n${table(['figure', 'median', 'spread', 'target'], rows)}\n\n${renderDetectorQuality(quality)}\n`);
  const file = writeResult('monitor', { machine: m, switched, rounds, ingest: ingestRates, report, memory, quality: { rows: quality.rows, speed: quality.speed, profileBytes: quality.profileBytes } });
  process.stdout.write(`wrote ${file}\n`);
}

main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
