import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../../bin/lading.js', import.meta.url));

/** The environment a child runs in: this one's, minus anything that would point it at another workspace. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('LADING_')) delete env[k];
  return env;
}

/** A node process (a `lading` command, or a test's child script), its output kept line by line as it comes. */
export interface LadingChild {
  readonly child: ChildProcess;
  readonly stdoutLines: string[];
  readonly stderrLines: string[];
  /** The exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first stdout or stderr line (old or new) that `match` accepts; rejects on exit or after `timeoutMs`. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number, from?: 'stdout' | 'stderr'): Promise<string>;
  /** SIGKILL (or `signal`), then waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startLadingChild(args: readonly string[], cwd: string): LadingChild {
  return startNodeChild(bin, args, cwd);
}

/** `node SCRIPT ...args`; SCRIPT a compiled file beside this one, e.g. `crashing-controller.js`. */
export function startScriptChild(script: string, args: readonly string[], cwd: string): LadingChild {
  return startNodeChild(fileURLToPath(new URL(script, import.meta.url)), args, cwd);
}

function startNodeChild(script: string, args: readonly string[], cwd: string): LadingChild {
  const child = spawn(process.execPath, [script, ...args], { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  const waiters = new Set<() => void>();
  const feed = (stream: 'stdout' | 'stderr') => {
    let partial = '';
    child[stream]!.on('data', (d: Buffer) => {
      const parts = (partial + d.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      lines[stream].push(...parts);
      for (const w of waiters) w();
    });
  };
  feed('stdout');
  feed('stderr');
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => {
    done = true;
    for (const w of waiters) w();
    resolve({ code, signal });
  }));
  const all = (from?: 'stdout' | 'stderr') => (from === undefined ? [...lines.stdout, ...lines.stderr] : lines[from]);
  return {
    child, stdoutLines: lines.stdout, stderrLines: lines.stderr, exited,
    waitForLine(match, timeoutMs, from) {
      return new Promise<string>((resolve, reject) => {
        const check = () => {
          const hit = all(from).find(match);
          if (hit !== undefined) finish(() => resolve(hit));
          else if (done) finish(() => reject(new Error(`${script} ${args.join(' ')} exited before the line awaited; stderr: ${lines.stderr.join('\n')}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`no such line from ${script} ${args.join(' ')} within ${timeoutMs} ms; stdout tail: ${lines.stdout.slice(-3).join('\n')}; stderr: ${lines.stderr.join('\n')}`))), timeoutMs);
        const finish = (settle: () => void) => { clearTimeout(timer); waiters.delete(check); settle(); };
        waiters.add(check);
        check();
      });
    },
    async kill(signal = 'SIGKILL') {
      if (!done) child.kill(signal);
      return exited;
    },
  };
}

/** One `--json` tick line of `lading controller`. */
export interface TickLine {
  readonly kind: 'tick';
  readonly at: string;
  readonly leader: boolean;
  readonly errors: ReadonlyArray<{ release: number | null; message: string }>;
  readonly releases: ReadonlyArray<{ id: number; status: string; step: number; reason: string }>;
}

export function tickLine(line: string): TickLine | null {
  if (!line.startsWith('{')) return null;
  const o = JSON.parse(line) as { kind?: string };
  return o.kind === 'tick' ? (o as TickLine) : null;
}

/** `lading controller --home HOME --json --interval-ms N` as a child. */
export function startControllerChild(home: string, intervalMs = 50, json = true): LadingChild {
  return startLadingChild(['controller', '--home', home, '--interval-ms', String(intervalMs), ...(json ? ['--json'] : [])], home);
}
