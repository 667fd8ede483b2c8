/**
 * bench:monitor's log on/off figure measured in one process (bench/serve-log-switch.ts): each round
 * starts one serving process and, for single-text and then 32-text load, runs wrk in the order
 * off, on, on, off or on, off, off, on (alternating by round), switching the log's observers
 * between runs. Each state is then measured twice per round, before and after the other, so a
 * slow drift of the machine's speed falls on both alike.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { log, stop, waitReady, wrk, type WrkResult } from './wrk-driver.js';

export interface SwitchedState { rps: number; cpuUsPerRequest: number; requests: number }
export interface SwitchedRound {
  readonly single: { readonly on: SwitchedState; readonly off: SwitchedState };
  readonly batch32: { readonly on: SwitchedState; readonly off: SwitchedState };
  /** Rows the log stored while it was on, and answers given then (texts). */
  readonly logged: number;
  readonly answeredOn: number;
  /** Rows stored while it was off: 0, or the switch did not work. */
  readonly loggedWhileOff: number;
}

const SWITCH = resolve('dist/bench/serve-log-switch.js');
const PATH = '/v1/models/hs4:classify';

class SwitchedServer {
  private readonly lines: AsyncIterator<string>;
  private constructor(readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static async start(model: string, port: number, home: string): Promise<SwitchedServer> {
    const child = spawn(process.execPath, [SWITCH, model, String(port), home], { stdio: ['pipe', 'pipe', 'inherit'] });
    const server = new SwitchedServer(child);
    const first = await server.next();
    if (!first.startsWith('ready ')) throw new Error(`serve-log-switch: ${first}`);
    await waitReady(port, child);
    return server;
  }

  private async next(): Promise<string> {
    const r = await this.lines.next();
    if (r.done) throw new Error(`serve-log-switch exited (${this.child.exitCode ?? this.child.signalCode})`);
    return r.value;
  }

  async command(cmd: 'on' | 'off' | 'count'): Promise<string> {
    this.child.stdin.write(`${cmd}\n`);
    const reply = await this.next();
    if (!reply.startsWith(cmd)) throw new Error(`serve-log-switch answered ${JSON.stringify(reply)} to ${cmd}`);
    return reply.slice(cmd.length + 1);
  }

  async count(): Promise<number> { return Number(await this.command('count')); }
}

const mean = (xs: readonly WrkResult[], f: (r: WrkResult) => number) => xs.reduce((a, r) => a + f(r), 0) / xs.length;
const state = (runs: readonly WrkResult[]): SwitchedState => ({
  rps: mean(runs, (r) => r.rps), cpuUsPerRequest: mean(runs, (r) => r.cpuUsPerRequest), requests: runs.reduce((a, r) => a + r.requests, 0),
});

export async function logSwitched(model: string, textsFile: string, rounds: number, firstPort: number): Promise<SwitchedRound[]> {
  const out: SwitchedRound[] = [];
  for (let r = 0; r < rounds; r++) {
    const home = mkdtempSync(join(tmpdir(), 'lading-bench-monitor-switch-'));
    const port = firstPort + r;
    const server = await SwitchedServer.start(model, port, home);
    try {
      wrk(port, PATH, 1, 16, textsFile, '2'); // warm-up, log on
      const order: Array<'on' | 'off'> = r % 2 === 0 ? ['off', 'on', 'on', 'off'] : ['on', 'off', 'off', 'on'];
      let logged = 0;
      let loggedWhileOff = 0;
      let answeredOn = 0;
      const measure = async (batch: number) => {
        const runs: Record<'on' | 'off', WrkResult[]> = { on: [], off: [] };
        for (const mode of order) {
          await server.command(mode);
          const before = await server.count();
          const run = wrk(port, PATH, batch, 16, textsFile, undefined, server.child.pid);
          const stored = (await server.count()) - before;
          runs[mode].push(run);
          if (mode === 'on') { logged += stored; answeredOn += run.requests * batch; } else loggedWhileOff += stored;
          log(`switched round ${r + 1}, ${batch}-text, log ${mode}: ${Math.round(run.rps * batch)} texts/s, ${run.cpuUsPerRequest.toFixed(0)} µs CPU a request${mode === 'on' ? `, ${stored} of ${run.requests * batch} logged` : ''}`);
        }
        return { on: state(runs.on), off: state(runs.off) };
      };
      const single = await measure(1);
      const batch32 = await measure(32);
      out.push({ single, batch32, logged, answeredOn, loggedWhileOff });
    } finally {
      server.child.stdin.end();
      await stop(server.child);
      rmSync(home, { recursive: true, force: true });
    }
  }
  return out;
}
