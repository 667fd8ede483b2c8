import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { stop } from './wrk-driver.js';

/**
 * One restart of `lading ui`: how long until it answered, and its first timeline requests (ms): the
 * answer, how many of its windows were pending, and how long until an answer had none (complete).
 */
export type RestartFigures = Array<{
  readonly stored: boolean; readonly readyMs: number;
  readonly pageMs: number; readonly pagePending: number; readonly pageButOneMs: number; readonly pageCompleteMs: number;
  readonly gridMs: number; readonly gridPending: number; readonly gridButOneMs: number; readonly gridCompleteMs: number;
}>;

/** How often a pending timeline is asked again (the page asks every 2 s; finer here, not so often that the asking slows the thread computing it). */
export const POLL_MS = 250;

type Timed = { readonly ms: number; readonly pending: number };

/**
 * bench:ui's restart phase (see bench/ui.ts): stops the running `lading ui`, then `restarts` times
 * each way, alternated, starts it again with the stored timeline windows ("stored") or with the
 * table emptied while it is down ("cold": what every restart cost when windows were kept in memory
 * only), and times the first request for the page's 8 windows and then one for `grid` windows.
 */
export async function restartPhase(o: {
  readonly home: string; readonly restarts: number; readonly grid: number;
  stop(): Promise<void>; start(): Promise<ChildProcess>; first(windows: number): Promise<Timed>; log(line: string): void;
}): Promise<RestartFigures> {
  const out: RestartFigures = [];
  if (o.restarts === 0) return out;
  await o.stop();
  for (let i = 0; i < 2 * o.restarts; i++) {
    const stored = i % 2 === 0;
    if (!stored) {
      const db = new Database(join(o.home, 'monitoring.sqlite'));
      try { db.prepare('DELETE FROM mon_timeline_windows').run(); } finally { db.close(); }
    }
    const t = performance.now();
    const child = await o.start();
    const readyMs = performance.now() - t;
    const page = await untilComplete(() => o.first(8));
    const grid = await untilComplete(() => o.first(o.grid));
    out.push({
      stored, readyMs, pageMs: page.ms, pagePending: page.pending, pageButOneMs: page.butOneMs, pageCompleteMs: page.completeMs,
      gridMs: grid.ms, gridPending: grid.pending, gridButOneMs: grid.butOneMs, gridCompleteMs: grid.completeMs,
    });
    o.log(`restart ${i + 1} (${stored ? 'stored' : 'cold'}): ready ${readyMs.toFixed(0)} ms, page ${page.ms.toFixed(0)} ms (${page.pending} pending, complete ${page.completeMs.toFixed(0)} ms), `
      + `${o.grid} windows ${grid.ms.toFixed(0)} ms (${grid.pending} pending, complete ${grid.completeMs.toFixed(0)} ms)`);
    await stop(child);
  }
  return out;
}

/**
 * The first answer, and the time from its request until an answer had at most one window pending
 * (butOne: all but the open window, which a restart always computes again) and none (complete).
 */
async function untilComplete(ask: () => Promise<Timed>): Promise<Timed & { readonly butOneMs: number; readonly completeMs: number }> {
  const t = performance.now();
  const first = await ask();
  let last = first;
  let butOneMs = first.pending <= 1 ? first.ms : undefined;
  while (last.pending > 0) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    last = await ask();
    if (butOneMs === undefined && last.pending <= 1) butOneMs = performance.now() - t;
  }
  const completeMs = performance.now() - t;
  return { ...first, butOneMs: butOneMs ?? completeMs, completeMs };
}
