/**
 * The `lading` commands the end-to-end lifecycle benchmark runs, as a user would: short verbs run
 * to completion, and the two long-running processes (`lading serve`, `lading controller`) started
 * and always stopped by their own PID, even when the benchmark fails or is interrupted.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';

const BIN = resolve('bin/lading.js');

/** Children still running: killed by PID on exit, whatever ended the benchmark. */
const running = new Set<ChildProcess>();
const killAll = () => { for (const c of running) if (c.pid !== undefined && c.exitCode === null) try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ } };
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { killAll(); process.exit(130); });

/**
 * The environment of every command: the caller's, without LADING_* settings (a bus URL or a
 * registry URL from the shell would send this workspace's events elsewhere), plain progress lines,
 * and `bench` as the person acting (the controller acts as `controller` whatever this says).
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LADING_')) env[k] = v;
  return { ...env, LADING_INTERACTIVE: 'false', CI: '1', LADING_ACTOR: 'bench' };
}

/** Runs `lading ARGS` in `cwd` (where lading.yaml is) and returns its stdout; the error names the command and its stderr. */
export function lading(cwd: string, args: readonly string[], timeoutMs = 600_000): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(process.execPath, [BIN, ...args], { cwd, env: cleanEnv(), timeout: timeoutMs, maxBuffer: 256 * 2 ** 20 }, (error, stdout, stderr) => {
      running.delete(child);
      if (error) reject(new Error(`lading ${args.join(' ')} (in ${cwd}) failed: ${error.message}\n${stderr.slice(-2000)}`));
      else resolvePromise(stdout);
    });
    running.add(child);
  });
}

export interface LongProcess {
  readonly pid: number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `lading ARGS` in `cwd`, its stdout and stderr copied to `logFile`; each stdout line goes
 * to `onLine`. Resolves once `ready(line)` is true for a stdout line; rejects if it exits first.
 */
export function startLading(cwd: string, args: readonly string[], logFile: string, ready: (line: string) => boolean, onLine?: (line: string) => void, timeoutMs = 120_000): Promise<LongProcess> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const logStream = createWriteStream(logFile);
  child.stderr!.pipe(logStream, { end: false });
  let pending = '';
  const exited = new Promise<void>((r) => child.once('exit', () => { running.delete(child); logStream.end(); r(); }));
  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolvePromise, reject) => {
    let started = false;
    const timer = setTimeout(() => { void stop(); reject(new Error(`lading ${args[0]} was not ready within ${timeoutMs} ms (log: ${logFile})`)); }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      logStream.write(d);
      pending += d.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        onLine?.(line);
        if (!started && ready(line)) {
          started = true;
          clearTimeout(timer);
          resolvePromise({ pid: child.pid!, stop });
        }
      }
    });
    child.once('exit', (code, signal) => {
      if (started) return;
      clearTimeout(timer);
      reject(new Error(`lading ${args.join(' ')} exited (${code ?? signal}) before it was ready; see ${logFile}`));
    });
  });
}
