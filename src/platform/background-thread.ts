import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowest scheduling priority (nice 19) for the calling thread only, so that a background thread of
 * a serving process (the prediction log's writer, the monitor's evaluations) uses the CPU the
 * serving threads leave idle and never takes it from them. Measured with bench:monitor on 2 cores,
 * HS4 fasttext, wrk -c16: at normal priority a writer thread that cannot keep up ran flat out and
 * took a core from serving (32-text texts/s with the log on 0.51 of off, single-text 0.69); at nice
 * 19 a saturated server drops (and counts) what the log cannot write instead, and a server with
 * headroom still logs everything. Linux gives each thread its own id (/proc/thread-self) that
 * setpriority accepts; elsewhere this does nothing and says so (returns false).
 */
export function lowerThisThreadPriority(nice = 19): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
