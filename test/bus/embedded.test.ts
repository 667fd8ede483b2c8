import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { SqliteBus } from '../../src/bus/embedded/sqlite-bus.js';
import { busContract, registered, take } from './bus-contract.js';

const CHILD = fileURLToPath(new URL('./bus-child.js', import.meta.url));

function tempBusFile(): { file: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lading-bus-'));
  return { dir, file: join(dir, 'bus.sqlite') };
}

busContract('embedded (SQLite in a temp folder)', async () => {
  const { dir, file } = tempBusFile();
  return { open: async () => new SqliteBus(file, { pollMs: 20 }), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

/** Children still running when the file ends (a failed test) are killed, never left polling. */
const running = new Set<ChildProcess>();
after(() => { for (const p of running) p.kill('SIGKILL'); });

function child(file: string, args: readonly string[]): { proc: ChildProcess; lines: string[]; waitFor: (re: RegExp) => Promise<string>; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, [CHILD, file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let buffered = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
    for (const l of listeners) l();
  });
  running.add(proc);
  const exited = new Promise<number | null>((r) => proc.on('close', (code) => { running.delete(proc); r(code); }));
  const waitFor = (re: RegExp) => new Promise<string>((resolve, reject) => {
    const check = () => {
      const hit = lines.find((l) => re.test(l));
      if (hit !== undefined) { listeners.delete(check); resolve(hit); }
    };
    listeners.add(check);
    void exited.then((code) => reject(new Error(`child exited (${String(code)}) before printing ${String(re)}; it printed ${lines.join(' | ')}`)));
    check();
  });
  return { proc, lines, waitFor, exited };
}

describe('embedded bus across processes', { timeout: 60_000 }, () => {
  it('resumes after a consumer process is SIGKILLed mid-consume: the held event comes back, the acked ones never do', async () => {
    const { dir, file } = tempBusFile();
    const bus = new SqliteBus(file, { pollMs: 20 });
    try {
      const seqs: number[] = [];
      for (const i of [1, 2, 3, 4, 5]) seqs.push((await bus.publish(registered(i))).seq);
      const worker = child(file, ['consume', 'worker', '500', String(seqs[2])]);
      await worker.waitFor(/^holding /);
      worker.proc.kill('SIGKILL');
      assert.equal(await worker.exited, null, 'killed by the signal, not exited');
      assert.deepEqual(worker.lines.filter((l) => l.startsWith('acked')), [`acked ${seqs[0]}`, `acked ${seqs[1]}`]);

      const sub = await bus.subscribe('worker', { ackWaitMs: 500 });
      const rest = await take(sub, 3, 3000);
      // The child's iteration had claimed 4 and 5 with 3 (one batch): unacked, they come back too.
      assert.deepEqual(rest.map((d) => d.seq).sort((a, b) => a - b), seqs.slice(2), 'the held and the unacked events again; never the acked ones');
      assert.equal(rest.find((d) => d.seq === seqs[2])?.deliveryCount, 2, 'the held event on its second delivery');
      for (const d of rest) await d.ack();
      assert.deepEqual(await sub.next(5, 700), []);
    } finally {
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('two processes on one durable share the events, each exactly once; two publishing the same ids store each once', async () => {
    const { dir, file } = tempBusFile();
    const bus = new SqliteBus(file);
    try {
      await bus.subscribe('shared', { ackWaitMs: 30_000 });
      const a = child(file, ['drain', 'shared', '40']);
      const b = child(file, ['drain', 'shared', '40']);
      const p1 = child(file, ['publish', '1', '60']);
      const p2 = child(file, ['publish', '21', '80']);
      assert.deepEqual([await p1.exited, await p2.exited], [0, 0]);
      const duplicates = [...p1.lines, ...p2.lines].map((l) => Number(/duplicates (\d+)/.exec(l)?.[1]));
      assert.equal(duplicates[0]! + duplicates[1]!, 40, 'each of the 40 shared ids stored by one publisher, dropped by the other');
      const sub = await bus.subscribe('count', { deliverFrom: 1 });
      const all = await take(sub, 100, 2000);
      assert.deepEqual(all.map((d) => d.event.id).sort(), Array.from({ length: 80 }, (_, i) => `reg-${i + 1}`).sort(), 'each id stored once');
      assert.deepEqual([await a.exited, await b.exited], [0, 0]);
      const got = [...a.lines, ...b.lines].map(Number).sort((x, y) => x - y);
      assert.deepEqual(got, all.map((d) => d.seq).sort((x, y) => x - y), 'every event to exactly one of the two');
      assert.ok(a.lines.length === 40 && b.lines.length === 40);
    } finally {
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
