import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

/**
 * What every benchmark prints and records beside its figures; the 1-minute load average says how
 * busy the machine was (figures taken beside other jobs are not comparable with a quiet run).
 */
export function machine(): { cpu: string; cores: number; memoryGiB: number; node: string; platform: string; loadAverage1m: number } {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? 'unknown', cores: c.length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version,
    platform: `${process.platform}-${process.arch}`, loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
  };
}

export function writeResult(name: string, value: unknown): string {
  const dir = join('bench', 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  return path;
}
