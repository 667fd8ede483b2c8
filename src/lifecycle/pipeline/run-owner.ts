import { hostname } from 'node:os';
import type { PipelineRun, RunOwner } from './pipeline-store.js';

/** How often a running pipeline says it is alive. */
export const HEARTBEAT_MS = 5_000;
/**
 * A run owned by another machine is taken for dead after this long without a heartbeat: twelve
 * missed beats, so a long synchronous training step (which delays the timer) is not mistaken for death.
 */
export const STALE_AFTER_MS = 60_000;

export function currentOwner(): RunOwner {
  return { host: hostname(), pid: process.pid };
}

/**
 * Whether a running run's process is gone. On this machine the process table is the truth (a
 * SIGKILLed run is seen at once, however fresh its last heartbeat); elsewhere only the heartbeat
 * can tell.
 */
export function ownerGone(run: PipelineRun, now: number, me: RunOwner = currentOwner()): boolean {
  if (run.owner.host === me.host) return !processAlive(run.owner.pid);
  return now - run.heartbeatAt > STALE_AFTER_MS;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, it is just not ours to signal.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
