/**
 * Does the dashboard slow serving? (`npx tsc -p tsconfig.json && node dist/bench/ui-serve-load.js`, issue 16.) Under `lading serve` a
 * version's evaluation (artifact decoded, production figures with the confusion heat map) is
 * computed in the dashboard's thread (platform/ui-work.ts) at the lowest priority, never on the
 * event loop that answers predictions, and reused for 5 s. Two checks, over bench:ui's workspace (bench/ui-seed.ts, ui-log.ts: 1M
 * logged predictions, 20,000 labels, by default):
 *
 * 1. Throughput: wrk drives single-text classify calls at `lading serve --deployment hs --workers 1`
 *    for LADING_BENCH_SECONDS (8) alone, then as long again while a dashboard client requests the
 *    evaluation page of hs-codes@1 (20,000 labelled answers) every PAGE_EVERY_MS (100; 0 = back to back); ROUNDS (3) pairs, alternated,
 *    so the machine's other load falls on both alike. Reported: texts/s and p99 of each, per round.
 * 2. The event loop: in this process, the longest event-loop stall (the longest gap between the
 *    ticks of a 1 ms timer) while hs-codes@1's evaluation (artifact decoded, production figures
 *    over its 20,000 labels) is computed 10 times here, and 10 times in the dashboard's thread
 *    (UiWorkThread, no answer reuse).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateInvoiceLines } from '../src/demo/invoice-lines.js';
import { openPlatformMonitoringStore, openPlatformWorkspace } from '../src/platform/index.js';
import { productionFigures } from '../src/platform/production-figures.js';
import { versionEvaluation } from '../src/platform/version-evaluation.js';
import { UiWorkThread, uiWorkData } from '../src/platform/ui-work.js';
import { machine, writeResult } from './machine.js';
import { seedLog } from './ui-log.js';
import { ENDPOINT, MODEL, seedRegistry } from './ui-seed.js';
import { BIN, DURATION, log, stop, waitReady, wrk, type WrkResult } from './wrk-driver.js';

const PREDICTIONS = Number(process.env['LADING_BENCH_UI_PREDICTIONS'] ?? '1000000');
const ROUNDS = Math.max(1, Number(process.env['LADING_BENCH_ROUNDS'] ?? '3'));
const PORT = 19462;
/** The dashboard client's pace: 10 page loads a second, more than a team clicking through it. */
const PAGE_EVERY_MS = Number(process.env['LADING_BENCH_UI_PAGE_EVERY_MS'] ?? '100');

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'lading-bench-ui-serve-'));
  const where = { home, registryUrl: undefined, registrySchema: 'public' };
  let child: ChildProcess | undefined;
  try {
    const now = Date.now();
    const reg = await seedRegistry(where, 100, now, log);
    const seeded = await seedLog(where, reg.runs, reg.sha256, [reg.champion, reg.challenger], PREDICTIONS, now, log);
    const textsFile = join(home, 'texts.txt');
    writeFileSync(textsFile, `${generateInvoiceLines({ rows: 2000, seed: 5, classes: 12 }).map((l) => l.text.replaceAll('\n', ' ')).join('\n')}\n`);

    child = spawn(process.execPath, [BIN, 'serve', '--deployment', ENDPOINT, '--home', home, '--workers', '1', '--port', String(PORT)], { stdio: ['ignore', 'ignore', 'inherit'] });
    await waitReady(PORT, child);
    const path = `/v1/models/${ENDPOINT}:classify`;
    wrk(PORT, path, 1, 8, textsFile, '2'); // JIT warm-up

    const rounds: Array<{ alone: WrkResult; dashboard: WrkResult; pages: number; pageMs: number }> = [];
    for (let r = 0; r < ROUNDS; r++) {
      const alone = wrk(PORT, path, 1, 8, textsFile, DURATION, child.pid);
      let running = true;
      let pages = 0;
      const started = performance.now();
      const client = (async () => {
        while (running) {
          // Version 1 holds the artifact the log's labelled answers name (ui-log.ts labels variant a's; ui-seed.ts: runOf).
          const v = 1;
          const res = await fetch(`http://127.0.0.1:${PORT}/v1/ui/models/${MODEL}/versions/${v}/evaluation`);
          const body = await res.json() as { production: unknown };
          if (!res.ok || body.production === null) throw new Error(`evaluation of ${MODEL}@${v}: HTTP ${res.status}, production ${JSON.stringify(body.production)}`);
          pages++;
          await new Promise((resolve) => setTimeout(resolve, PAGE_EVERY_MS));
        }
      })();
      client.catch(() => undefined); // awaited below, after wrk: a failure must still reach the finally that stops the server
      // wrk() blocks the thread that runs it (spawnSync): run it from a child, so the client above keeps sending.
      const dashboard = await wrkBeside(path, textsFile, child.pid, () => { running = false; });
      await client;
      rounds.push({ alone, dashboard, pages, pageMs: (performance.now() - started) / Math.max(pages, 1) });
      log(`round ${r + 1}: alone ${alone.rps.toFixed(0)} texts/s (p99 ${alone.p99} ms); with the dashboard ${dashboard.rps.toFixed(0)} texts/s (p99 ${dashboard.p99} ms), ${pages} pages`);
    }
    await stop(child);
    child = undefined;

    const stalls = await eventLoopStalls(where, 1);
    const m = machine();
    process.stdout.write(`bench ui-serve-load — node dist/bench/ui-serve-load.js\nmachine: ${m.cores} cores, ${m.cpu}, node ${m.node}, load ${m.loadAverage1m}\n`);
    process.stdout.write(`log: ${seeded.predictions} predictions, ${seeded.feedback} labels; wrk -t1 -c8 single-text classify, ${DURATION} s per run\n\n`);
    for (const [i, r] of rounds.entries()) {
      process.stdout.write(`round ${i + 1}: alone ${r.alone.rps.toFixed(0)} texts/s p99 ${r.alone.p99} ms | with the evaluation page requested every ${PAGE_EVERY_MS} ms ${r.dashboard.rps.toFixed(0)} texts/s p99 ${r.dashboard.p99} ms (${r.pages} pages, one every ${r.pageMs.toFixed(1)} ms) | ratio ${(r.dashboard.rps / r.alone.rps).toFixed(3)}\n`);
    }
    process.stdout.write(`\nlongest event-loop stall while hs-codes@1's evaluation is computed 10 times: here ${stalls.here.toFixed(1)} ms (${stalls.hereMs.toFixed(1)} ms each), in the dashboard thread ${stalls.thread.toFixed(1)} ms (${stalls.threadMs.toFixed(1)} ms each)\n`);
    const file = writeResult('ui-serve', { command: 'node dist/bench/ui-serve-load.js', machine: m, predictions: seeded.predictions, labels: seeded.feedback, rounds, stalls, at: new Date().toISOString() });
    process.stdout.write(`wrote ${file}\n`);
  } finally {
    if (child) await stop(child);
    rmSync(home, { recursive: true, force: true });
  }
}

/** wrk (which blocks the thread that runs it) in a child node, so this thread's dashboard client keeps sending. */
async function wrkBeside(path: string, textsFile: string, pid: number | undefined, done: () => void): Promise<WrkResult> {
  const code = `import('${new URL('./wrk-driver.js', import.meta.url).href}').then((w) => process.stdout.write(JSON.stringify(w.wrk(${PORT}, ${JSON.stringify(path)}, 1, 8, ${JSON.stringify(textsFile)}, ${JSON.stringify(DURATION)}, ${pid}))))`;
  const c = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  c.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  await new Promise((resolve) => c.once('exit', resolve));
  done();
  return JSON.parse(out) as WrkResult;
}

/** The longest stall of this thread's event loop while hs-codes@V's evaluation is computed 10 times here, then 10 times in the dashboard's thread. */
async function eventLoopStalls(where: { home: string; registryUrl: undefined; registrySchema: string }, v: number) {
  const ws = await openPlatformWorkspace(where);
  const store = await openPlatformMonitoringStore(where);
  const thread = new UiWorkThread(uiWorkData(where, true));
  try {
    const here = () => versionEvaluation(ws, MODEL, v, (labels, sha) => productionFigures(store, labels, sha));
    await thread.evaluation(MODEL, v); // started and warm
    await here();
    const measure = async (compute: () => Promise<unknown>) => {
      // A 1 ms timer: the longest gap between its ticks, less 1 ms, is the longest stall.
      let last = performance.now();
      let longest = 0;
      const timer = setInterval(() => { const t = performance.now(); longest = Math.max(longest, t - last - 1); last = t; }, 1);
      const t = performance.now();
      for (let i = 0; i < 10; i++) await compute();
      const each = (performance.now() - t) / 10;
      clearInterval(timer);
      return { longest, each };
    };
    const inHere = await measure(here);
    const inThread = await measure(() => thread.evaluation(MODEL, v));
    return { here: inHere.longest, hereMs: inHere.each, thread: inThread.longest, threadMs: inThread.each };
  } finally {
    await thread.close();
    await store.close();
    ws.close();
  }
}

main().catch((e: unknown) => {
  // (the finally above has stopped the server and removed the workspace)
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = 1;
});
