import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * CPU milliseconds (user + system) a process has used so far, from /proc (Linux; undefined elsewhere
 * or when it has gone). On a shared, noisy machine the CPU a unit of work costs moves far less than
 * the throughput does, so benchmarks report both.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after it start past its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return (ticks * 1000) / clockTicksPerSecond();
  } catch {
    return undefined;
  }
}

let ticksPerSecond: number | undefined;
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** The pid of a running program by its name (the oldest match), or undefined. */
export function pidOf(name: string): number | undefined {
  try {
    const out = execFileSync('pgrep', ['-o', '-x', name], { encoding: 'utf8' }).trim();
    return out.length > 0 ? Number(out) : undefined;
  } catch {
    return undefined;
  }
}
