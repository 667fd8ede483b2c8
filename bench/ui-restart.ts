import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { stop } from './wrk-driver.js';

/** One restart of `lading ui`: how long until it answered, and its first timeline requests (ms). */
export type RestartFigures = Array<{ readonly stored: boolean; readonly readyMs: number; readonly pageMs: number; readonly gridMs: number }>;

/**
 * bench:ui's restart phase (see bench/ui.ts): stops the running `lading ui`, then `restarts` times
 * each way, alternated, starts it again with the stored timeline windows ("stored") or with the
 * table emptied while it is down ("cold": what every restart cost when windows were kept in memory
 * only), and times the first request for the page's 8 windows and then one for `grid` windows.
 */
export async function restartPhase(o: {
  readonly home: string; readonly restarts: number; readonly grid: number;
  stop(): Promise<void>; start(): Promise<ChildProcess>; first(windows: number): Promise<number>; log(line: string): void;
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
    const pageMs = await o.first(8);
    const gridMs = await o.first(o.grid);
    out.push({ stored, readyMs, pageMs, gridMs });
    o.log(`restart ${i + 1} (${stored ? 'stored' : 'cold'}): ready ${readyMs.toFixed(0)} ms, page ${pageMs.toFixed(0)} ms, ${o.grid} windows ${gridMs.toFixed(0)} ms`);
    await stop(child);
  }
  return out;
}
