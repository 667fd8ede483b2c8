/**
 * What the serving benchmarks share: the cached HS4 models they serve, wrk driven against a
 * `lading serve` child (rates, latency quantiles, and the server's CPU per request from /proc), and
 * starting and stopping such children.
 */
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const CACHE = process.env['LADING_BENCH_CACHE'] ?? '/tmp/lading-bench-serve';
// ../shared sits beside the project, here and in CI.
export const DATA = resolve('..', 'shared', 'datasets', 'hs-goods', 'train.csv');
export const ANCHORS = resolve('..', 'shared', 'anchors');
export const DURATION = process.env['LADING_BENCH_SECONDS'] ?? '8';
export const BIN = resolve('bin/lading.js');
export const WRK = '/usr/bin/wrk';

/**
 * `cpuUsPerRequest`: CPU time (all threads) the server process spent per request during the run;
 * `loadCpuUsPerRequest`: what wrk itself spent per request. wrk runs on the same cores as the
 * server, so a server's rate is bounded by cores / (server CPU + wrk CPU) per request.
 */
export interface WrkResult { requests: number; errors: number; rps: number; p50: number; p99: number; p999: number; connections: number; cpuUsPerRequest: number; loadCpuUsPerRequest: number }

export function log(s: string): void { process.stderr.write(`${s}\n`); }

export function trainIfMissing(kind: string): string {
  const out = join(CACHE, `${kind}-hs4.lading`);
  if (existsSync(out)) return out;
  log(`training ${kind} on hs-goods label_4 (cached in ${out})...`);
  execFileSync(process.execPath, [BIN, 'train', '--home', join(CACHE, 'home'), '--data', DATA, '--label', 'label_4', '--model', kind, '--out', out, '--json'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

/**
 * CPU time of a process in µs (user + system, all threads; Linux /proc, NaN elsewhere). On a shared
 * machine the rate a server reaches depends on what else runs; the CPU it spends per request does
 * much less, so the bench reports both.
 */
export function processCpuUs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const own = (Number(fields[11]) + Number(fields[12])) * 10_000; // clock ticks of 10 ms
    // `serve --processes N`: the processes serving are the primary's children (running, so their
    // time is not yet in the primary's cutime).
    let children = 0;
    for (const c of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter((x) => x.length > 0)) children += processCpuUs(Number(c));
    return own + children;
  } catch {
    return NaN;
  }
}

export function wrk(port: number, path: string, batch: number, connections: number, textsFile: string, seconds = DURATION, pid?: number): WrkResult {
  const cpu0 = processCpuUs(pid);
  // A shell runs wrk and then prints its own children's CPU ticks (cutime + cstime, /proc fields
  // 16 and 17), which after wrk is waited for are wrk's: user + system time of the load generator.
  const script = `"$@"; status=$?; echo "LOADCPU $(awk '{print $16 + $17}' /proc/$$/stat)"; exit $status`;
  const r = spawnSync('/bin/sh', ['-c', script, 'wrk', WRK, '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', 'rotate.lua', `http://127.0.0.1:${port}`], {
    cwd: ANCHORS, env: { ...process.env, BATCH: String(batch), TEXTS: textsFile, URL_PATH: path }, encoding: 'utf8',
  });
  const m = /RESULT requests=(\d+) errors=(\d+) rps=([\d.]+) p50_ms=([\d.]+) p99_ms=([\d.]+) p999_ms=([\d.]+)/.exec(r.stdout);
  if (!m) throw new Error(`wrk gave no RESULT line: ${r.stdout} ${r.stderr}`);
  const n = (k: number) => Number(m[k]);
  const loadTicks = Number(/LOADCPU (\d+)/.exec(r.stdout)?.[1] ?? NaN);
  return {
    requests: n(1), errors: n(2), rps: n(3), p50: n(4), p99: n(5), p999: n(6), connections,
    cpuUsPerRequest: (processCpuUs(pid) - cpu0) / n(1), loadCpuUsPerRequest: (loadTicks * 10_000) / n(1),
  };
}

/** The connection count (1, 2 or 4) whose rate comes closest to half of `saturatedRps`. */
export function halfLoad(port: number, path: string, batch: number, saturatedRps: number, textsFile: string): WrkResult {
  let half: WrkResult | undefined;
  for (const c of [1, 2, 4]) {
    const r = wrk(port, path, batch, c, textsFile);
    if (!half || Math.abs(r.rps - saturatedRps / 2) < Math.abs(half.rps - saturatedRps / 2)) half = r;
    if (r.rps > saturatedRps / 2) break;
  }
  return half!;
}

export async function waitReady(port: number, child: ChildProcess, path = '/v2/health/ready', timeoutMs = 600_000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}${path}`);
      if (r.status === 200) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('server did not become ready');
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}

