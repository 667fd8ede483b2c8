/**
 * Dashboard benchmark (`npm run bench:ui`, issue 16): every page's data in under 100 ms with 1,000
 * model versions and 1M logged predictions. Seeds a temp workspace (bench/ui-seed.ts, ui-log.ts),
 * starts the real `lading ui --home DIR` (and `lading serve --deployment hs` over the same home, for
 * the Live page's /metrics and the review routes as a serving process answers them), then requests
 * each route the pages call (web/src/pages/*.tsx) RUNS times in a row over HTTP, body read, in
 * ROUNDS rounds: median, p95 and max per route, and the spread of the rounds' medians.
 *
 * The monitoring timeline (ui-timeline.ts) is cut on a fixed time grid and computed in the
 * dashboard's thread: `lading ui` starts the page's own 8 windows as it starts, a window the log has
 * moved past is read once, and an answer is reused for 15 s, then refreshed behind the answer
 * (ui-monitoring.ts). So it has three figures: the warm-up's first request for 8 windows (sent as
 * soon as `lading ui` answers: it waits for what is left of the start-up computation over the whole
 * log), "page's grid" (the page's 8 windows again, what every visitor after that waits) and "a grid
 * not computed yet" (a window count giving another grid width: 14, 28, 4, 1 windows over the week
 * are 12 h, 6 h, 2-day and 7-day cells, so each request reads the whole log: what the page never
 * asks, and the most a first request may cost). The dashboard answers a timeline at once: a window
 * its thread has not computed yet comes back pending and is computed behind the answer, so a fast
 * figure may be a partial answer; the table's last column counts the answers that had pending windows.
 * The rounds start once the page's 8 windows are complete (the start-up computation done; its length
 * is printed), so they measure the steady state, with one new grid computed behind per round.
 *
 * Closed windows are kept in the monitoring store (mon_timeline_windows), so a restarted `lading ui`
 * reads only the open one. The restart phase measures that: `lading ui` is stopped and started
 * again RESTARTS times each way, alternating "stored" (the windows the runs above stored) and
 * "cold" (the table emptied while it is down: what every restart cost when windows were kept in
 * memory only), and times the first request for the page's 8 windows, sent the moment it answers,
 * and then one for a grid the rounds computed (14 windows), each asked again until no window is
 * pending (complete).
 *
 * LADING_BENCH_UI_VERSIONS (1000), LADING_BENCH_UI_PREDICTIONS (1000000), LADING_BENCH_ROUNDS (3),
 * LADING_BENCH_UI_RUNS (20), LADING_BENCH_UI_RESTARTS (3), LADING_BENCH_UI_SERVE=0 to skip the serving process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { table } from '../src/cli/output.js';
import { machine, writeResult } from './machine.js';
import { DAYS, seedLog } from './ui-log.js';
import { POLL_MS, restartPhase, type RestartFigures } from './ui-restart.js';
import { ENDPOINT, MODEL, seedRegistry } from './ui-seed.js';
import { BIN, log, stop, waitReady } from './wrk-driver.js';

const VERSIONS = Number(process.env['LADING_BENCH_UI_VERSIONS'] ?? '1000');
const PREDICTIONS = Number(process.env['LADING_BENCH_UI_PREDICTIONS'] ?? '1000000');
const ROUNDS = Math.max(1, Number(process.env['LADING_BENCH_ROUNDS'] ?? '3'));
const RUNS = Math.max(1, Number(process.env['LADING_BENCH_UI_RUNS'] ?? '20'));
const SERVE = process.env['LADING_BENCH_UI_SERVE'] !== '0';
const RESTARTS = Math.max(0, Number(process.env['LADING_BENCH_UI_RESTARTS'] ?? '3'));
const TARGET_MS = 100;
/** Window counts that each give a grid width not computed yet over the week (see above): one per round, the first in the warm-up. */
const NEW_GRIDS = [14, 28, 4, 1];
const TIMELINE_COMPUTED_PER_ROUND = 1;
/** How long the rounds wait for the start-up computation (POLL_MS apart): two minutes. */
const STARTUP_POLLS = 480;

interface Route { readonly path: string; readonly page: string; readonly on: 'ui' | 'serve'; readonly runs?: number; readonly windows?: () => number }

const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const median = (xs: readonly number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

/**
 * One request, timed until its whole body is read; a non-2xx answer is an error (a fast 404 is no
 * figure). `pending`: the windows of a timeline answer still being computed behind it (a fast answer
 * with pending windows is not the whole figure: the restart phase also times until none is).
 */
async function timed(base: string, path: string): Promise<{ ms: number; bytes: number; pending: number }> {
  const t = performance.now();
  const res = await fetch(`${base}${path}`);
  const body = await res.arrayBuffer();
  const ms = performance.now() - t;
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${Buffer.from(body).toString('utf8').slice(0, 300)}`);
  const pending = path.startsWith('/v1/ui/monitoring/')
    ? (JSON.parse(Buffer.from(body).toString('utf8')) as { windows: Array<{ pending?: true }> }).windows.filter((w) => w.pending).length : 0;
  return { ms, bytes: body.byteLength, pending };
}

async function start(args: readonly string[], port: number, readyPath: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, ...args, '--port', String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitReady(port, child, readyPath);
  return child;
}

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'lading-bench-ui-'));
  const where = { home, registryUrl: undefined, registrySchema: 'public' };
  const children: ChildProcess[] = [];
  try {
    const now = Date.now();
    let t = performance.now();
    const reg = await seedRegistry(where, VERSIONS, now, log);
    const registrySeconds = (performance.now() - t) / 1000;
    log(`registry seeded in ${registrySeconds.toFixed(1)} s`);
    const seeded = await seedLog(where, reg.runs, reg.sha256, [reg.champion, reg.challenger], PREDICTIONS, now, log);
    log(`log seeded: ${seeded.predictions} predictions, ${seeded.feedback} labels, ${seeded.alerts} alert events in ${seeded.seconds.toFixed(1)} s`);

    const uiPort = 19460;
    const servePort = 19461;
    const ui = await start(['ui', '--home', home], uiPort, '/v1/ui/info');
    const uiAnswered = performance.now();
    children.push(ui);
    if (SERVE) children.push(await start(['serve', '--deployment', ENDPOINT, '--home', home, '--workers', '1'], servePort, '/v2/health/ready'));

    const evaluated = reg.champion;
    let nextGrid = 0;
    const routes: Route[] = [
      { path: '/v1/ui/info', page: 'every page (header)', on: 'ui' },
      { path: '/v1/ui/models', page: 'Models, Lineage', on: 'ui' },
      { path: `/v1/ui/models/${MODEL}/versions`, page: `Models (${reg.versions[MODEL]} versions)`, on: 'ui' },
      { path: `/v1/ui/models/${MODEL}/lineage`, page: 'Lineage', on: 'ui' },
      { path: `/v1/ui/models/${MODEL}/versions/${evaluated}/evaluation`, page: 'Evaluation', on: 'ui' },
      { path: '/v1/ui/deployments', page: 'Deployments, Review', on: 'ui' },
      { path: `/v1/ui/deployments/${ENDPOINT}/history`, page: 'Deployments', on: 'ui' },
      { path: '/v1/ui/audit?', page: 'Audit (no filter)', on: 'ui' },
      { path: `/v1/ui/audit?model=${MODEL}&action=approve`, page: 'Audit (filtered)', on: 'ui' },
      { path: '/v1/ui/experiments', page: 'Experiments', on: 'ui' },
      { path: '/v1/ui/experiments/30', page: 'Experiments (one release)', on: 'ui' },
      { path: '/v1/ui/monitoring', page: 'Monitoring', on: 'ui' },
      { path: `/v1/ui/monitoring/${ENDPOINT}?windows=8`, page: 'Monitoring timeline (page\'s grid)', on: 'ui' },
      { path: `/v1/ui/monitoring/${ENDPOINT}?windows=`, page: 'Monitoring timeline (a grid not computed yet)', on: 'ui', runs: TIMELINE_COMPUTED_PER_ROUND, windows: () => NEW_GRIDS[nextGrid++ % NEW_GRIDS.length]! },
      { path: '/v1/ui/alerts', page: 'Monitoring (alerts)', on: 'ui' },
      { path: '/v1/ui/pipelines?runs=20', page: 'Pipelines', on: 'ui' },
      { path: `/v1/review?endpoint=${ENDPOINT}&state=open&limit=100`, page: 'Review', on: 'ui' },
      { path: `/v1/review?endpoint=${ENDPOINT}&state=all&limit=100`, page: 'Review (all)', on: 'ui' },
      { path: '/metrics', page: 'Live', on: 'ui' },
      ...(SERVE ? [
        { path: '/metrics', page: 'Live (lading serve)', on: 'serve' },
        { path: '/v1/models', page: 'Live (lading serve)', on: 'serve' },
        { path: '/v1/ui/models', page: 'Models (lading serve)', on: 'serve' },
        { path: `/v1/ui/models/${MODEL}/versions/${evaluated}/evaluation`, page: 'Evaluation (lading serve, heat map)', on: 'serve' },
        { path: `/v1/review?endpoint=${ENDPOINT}&state=open&limit=100`, page: 'Review (lading serve)', on: 'serve' },
      ] satisfies Route[] : []),
    ];
    const base = (r: Route) => `http://127.0.0.1:${r.on === 'ui' ? uiPort : servePort}`;
    const pathOf = (r: Route) => (r.windows ? `${r.path}${r.windows()}` : r.path);

    // Warm-up: every route once (the first answer also fills the timeline's cache for 8 windows).
    const first: number[] = [];
    const bytes: number[] = [];
    // Per route, answers that had windows still pending (timeline routes only).
    const pendingAnswers = routes.map(() => 0);
    for (const r of routes) {
      t = performance.now();
      const path = pathOf(r); // once: a timeline route's path is a new window count each time
      const got = await timed(base(r), path);
      first.push(got.ms);
      bytes.push(got.bytes);
      if (got.pending > 0) pendingAnswers[routes.indexOf(r)]!++;
      log(`warm-up ${r.on} ${path}: ${got.ms.toFixed(1)} ms, ${got.bytes} bytes${got.pending > 0 ? `, ${got.pending} windows pending` : ''}`);
    }
    // Before the rounds, until the page's grid is complete: the start-up computation over the whole log (and the warm-up's
    // grids beside it) finished, so the rounds measure the steady state however long the routes before them took (a run
    // whose other routes got faster otherwise measured more of the start-up as pending answers). Its length is a figure of its own.
    let startupMs = Number.NaN;
    for (let i = 0; i < STARTUP_POLLS; i++) {
      if ((await timed(`http://127.0.0.1:${uiPort}`, `/v1/ui/monitoring/${ENDPOINT}?windows=8`)).pending === 0) { startupMs = performance.now() - uiAnswered; break; }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    log(`the page's 8 windows complete ${(startupMs / 1000).toFixed(1)} s after lading ui answered`);
    const samples: number[][][] = routes.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, r] of routes.entries()) {
        const ms: number[] = [];
        for (let k = 0; k < (r.runs ?? RUNS); k++) {
          const got = await timed(base(r), pathOf(r));
          ms.push(got.ms);
          if (got.pending > 0) pendingAnswers[i]!++;
        }
        samples[i]!.push(ms);
      }
      log(`round ${round + 1} done`);
    }
    // Last: it stops the `lading ui` the rounds used.
    const restarts: RestartFigures = await restartPhase({
      home, restarts: RESTARTS, stop: () => stop(ui), start: () => start(['ui', '--home', home], uiPort, '/v1/ui/info').then((c) => { children.push(c); return c; }),
      first: (windows) => timed(`http://127.0.0.1:${uiPort}`, `/v1/ui/monitoring/${ENDPOINT}?windows=${windows}`), grid: NEW_GRIDS[0]!, log,
    });

    const rows = routes.map((r, i) => {
      const all = samples[i]!.flat().sort((a, b) => a - b);
      const perRound = samples[i]!.map(median);
      const p95 = quantile(all, 0.95);
      return {
        route: `${r.on === 'serve' ? '[serve] ' : ''}${r.windows ? `${r.path}N` : r.path}`, page: r.page, requests: all.length, firstMs: first[i]!, bytes: bytes[i]!,
        medianMs: median(all), p95Ms: p95, maxMs: all.at(-1)!, roundMedians: perRound, ratio: p95 / TARGET_MS, pendingAnswers: pendingAnswers[i]!,
      };
    });
    const m = machine();
    const monitoringBytes = statSync(join(home, 'monitoring.sqlite')).size;
    const sizes = {
      versions: reg.versions, totalVersions: Object.values(reg.versions).reduce((a, b) => a + b, 0), aliasMoves: reg.aliasMoves, deploymentRevisions: reg.deploymentRevisions,
      predictions: seeded.predictions, days: DAYS, feedback: seeded.feedback, alertEvents: seeded.alerts, reviewItems: seeded.reviewItems, pipelineRuns: 120, releases: 30,
      monitoringFileMiB: Math.round(monitoringBytes / 2 ** 20),
    };
    const command = 'npm run bench:ui';
    process.stdout.write(`bench:ui — ${command}\nmachine: ${m.cores} cores, ${m.cpu}, node ${m.node}, ${m.platform}, load ${m.loadAverage1m}\n`);
    process.stdout.write(`workspace: ${sizes.totalVersions} model versions (${Object.entries(reg.versions).map(([k, v]) => `${k} ${v}`).join(', ')}), ${sizes.aliasMoves} alias moves, ${sizes.deploymentRevisions} deployment revisions, `
      + `${sizes.predictions} logged predictions over ${DAYS} days (${sizes.monitoringFileMiB} MiB), ${sizes.feedback} labels, ${sizes.alertEvents} alert events, ${sizes.reviewItems} review items, 120 pipeline runs, 30 releases\n`);
    process.stdout.write(`start-up: the page's 8 windows complete ${(startupMs / 1000).toFixed(1)} s after lading ui answered (the rounds start then)\n`);
    process.stdout.write(`seeding: registry ${registrySeconds.toFixed(1)} s, log ${seeded.seconds.toFixed(1)} s; ${ROUNDS} rounds of ${RUNS} sequential requests per route (timeline on a grid not computed yet: ${TIMELINE_COMPUTED_PER_ROUND} per round)\n\n`);
    const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
    process.stdout.write(`${table(['route', 'page', 'first', 'median', 'p95', 'max', 'round medians', 'KB', 'p95/100ms', 'pending answers'],
      rows.map((r) => [r.route, r.page, f(r.firstMs), f(r.medianMs), f(r.p95Ms), f(r.maxMs), `${f(Math.min(...r.roundMedians))}–${f(Math.max(...r.roundMedians))}`, (r.bytes / 1024).toFixed(1), `${r.ratio.toFixed(2)}${r.ratio >= 1 ? ' OVER' : ''}`,
        r.page.startsWith('Monitoring timeline') ? `${r.pendingAnswers} of ${r.requests + 1}` : '']))}\n`);
    if (restarts.length > 0) {
      process.stdout.write(`\nafter a restart of lading ui (first request the moment it answers; ${RESTARTS} restarts each way, alternated; "pending": windows the answer left pending; "≤1 pending": until an answer had at most one (the open window), "complete": none, asked every ${POLL_MS} ms):\n${table(['windows', 'ready', 'first, page\'s 8 windows', 'pending', '≤1 pending', 'complete', `first, ${NEW_GRIDS[0]} windows`, 'pending', '≤1 pending', 'complete'],
        restarts.map((r) => [r.stored ? 'stored' : 'cold (none stored)', f(r.readyMs), f(r.pageMs), String(r.pagePending), f(r.pageButOneMs), f(r.pageCompleteMs), f(r.gridMs), String(r.gridPending), f(r.gridButOneMs), f(r.gridCompleteMs)]))}\n`);
    }
    const over = rows.filter((r) => r.ratio >= 1);
    process.stdout.write(`\nunder 100 ms at p95: ${rows.length - over.length} of ${rows.length} routes${over.length ? `; over: ${over.map((r) => r.route).join(', ')}` : ''}\n`);
    const path = writeResult('ui', { command, machine: m, sizes, startupMs, rounds: ROUNDS, runs: RUNS, targetMs: TARGET_MS, routes: rows, restarts, at: new Date().toISOString() });
    process.stdout.write(`wrote ${path}\n`);
  } finally {
    for (const c of children) await stop(c);
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = 1;
});
