/**
 * The parts of a multi-node lading run on one machine (`npm run cluster`, test/cluster/): lading
 * processes started as their own OS processes (servers, stream workers, controllers, a monitor) on
 * the real PostgreSQL and NATS, HAProxy from Debian's package in front of the servers with health
 * checks on the readiness route, a closed-loop HTTP load, and a private PostgreSQL instance that can
 * be restarted without disturbing anything else on the machine.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const BIN = resolve('bin/lading.js');

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => ok(typeof a === 'object' && a !== null ? a.port : 0)); });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A lading process of the cluster: its command line, its output kept for the report, restartable. */
export class LadingProcess {
  child: ChildProcess | undefined;
  output = '';
  private readonly exits: Array<() => void> = [];

  constructor(readonly name: string, private readonly args: readonly string[], private readonly env: NodeJS.ProcessEnv) {}

  start(): this {
    this.output = '';
    const child = spawn(process.execPath, [BIN, ...this.args], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => { this.output += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { this.output += d.toString(); });
    child.once('exit', () => { for (const e of this.exits.splice(0)) e(); });
    this.child = child;
    return this;
  }

  get running(): boolean { return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null; }

  /** Sends `signal` and waits for the process to end (SIGKILL after `graceMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((r) => this.exits.push(r));
    this.child!.kill(signal);
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Resolves when `pattern` appears in its output (after `from`), or fails after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000, from = 0): Promise<number> {
    const start = Date.now();
    for (;;) {
      if (pattern.test(this.output.slice(from))) return Date.now();
      if (!this.running) throw new Error(`${this.name} exited before ${pattern}:\n${this.output.slice(-2000)}`);
      if (Date.now() - start > timeoutMs) throw new Error(`${this.name}: no ${pattern} within ${timeoutMs} ms:\n${this.output.slice(-2000)}`);
      await sleep(50);
    }
  }
}

/** Waits until GET url answers 200. */
export async function waitReady(url: string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  for (;;) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.status === 200) return;
    } catch { /* not up yet */ }
    if (Date.now() - start > timeoutMs) throw new Error(`${url} not ready within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * HAProxy in front of the servers: health checks on /v2/health/ready every 500 ms (down after one
 * failure, up after two passes), and a request whose connection fails or that gets a 503 (a
 * draining server) retried once on another server, which is what keeps a killed or restarting
 * server from reaching the client.
 */
export class Balancer {
  private proc: ChildProcess | undefined;
  constructor(readonly dir: string, readonly port: number, private readonly servers: readonly number[]) {}

  start(): this {
    const config = [
      'global', '  maxconn 4096',
      'defaults', '  mode http', '  timeout connect 1s', '  timeout client 30s', '  timeout server 30s',
      '  retries 3', '  option redispatch 1', '  option http-buffer-request', '  retry-on conn-failure empty-response response-timeout 503',
      'frontend lading', `  bind 127.0.0.1:${this.port}`, '  default_backend servers',
      'backend servers', '  balance roundrobin', '  option httpchk GET /v2/health/ready', '  http-check expect status 200',
      '  default-server inter 500ms fall 1 rise 2 maxconn 64',
      ...this.servers.map((p, i) => `  server s${i + 1} 127.0.0.1:${p} check`),
    ].join('\n');
    const file = join(this.dir, 'haproxy.cfg');
    writeFileSync(file, `${config}\n`);
    execFileSync('haproxy', ['-c', '-q', '-f', file]);
    this.proc = spawn('haproxy', ['-db', '-f', file], { stdio: 'ignore' });
    return this;
  }

  async stop(): Promise<void> {
    // A process ended by a signal has exitCode null and signalCode set; waiting for its 'exit' again would hang.
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((r) => this.proc!.once('exit', r));
    this.proc.kill('SIGTERM');
    await exited;
  }
}

/** Results of a closed-loop load: every request's outcome counted. */
export interface LoadCounts { ok: number; failed: number; statuses: Record<string, number>; seconds: number }

/**
 * Closed-loop load: `concurrency` clients each sending one request after the other (texts drawn in
 * turn from `texts`) until `stop()`; counts 200s and everything else (non-200 statuses, resets).
 */
export function startLoad(url: string, texts: readonly string[], concurrency: number): { stop(): Promise<LoadCounts>; counts: LoadCounts } {
  const counts: LoadCounts = { ok: 0, failed: 0, statuses: {}, seconds: 0 };
  let running = true;
  let next = 0;
  const started = performance.now();
  const client = async () => {
    while (running) {
      const text = texts[next++ % texts.length]!;
      try {
        const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ texts: [text] }) });
        await r.arrayBuffer();
        if (r.status === 200) counts.ok++;
        else { counts.failed++; counts.statuses[r.status] = (counts.statuses[r.status] ?? 0) + 1; }
      } catch (e) {
        counts.failed++;
        const code = (e as { cause?: { code?: string } }).cause?.code ?? 'error';
        counts.statuses[code] = (counts.statuses[code] ?? 0) + 1;
      }
    }
  };
  const clients = Array.from({ length: concurrency }, client);
  return {
    counts,
    async stop() { running = false; await Promise.all(clients); counts.seconds = (performance.now() - started) / 1000; return counts; },
  };
}

/**
 * A PostgreSQL instance of its own (Debian's binaries, run as the postgres user, trust auth on
 * 127.0.0.1:port): restarting it disturbs nothing else on the machine.
 */
export class PrivatePostgres {
  private readonly bin: string;
  constructor(readonly dir: string, readonly port: number) {
    const versions = spawnSync('ls', ['/usr/lib/postgresql'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).sort();
    this.bin = `/usr/lib/postgresql/${versions.at(-1)}/bin`;
  }

  get url(): string { return `postgres://postgres@127.0.0.1:${this.port}/postgres`; }

  private asPostgres(args: readonly string[]): void {
    const r = spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', args.map((a) => `'${a}'`).join(' ')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr || r.stdout}`);
  }

  init(): this {
    mkdirSync(this.dir, { recursive: true });
    chmodSync(this.dir, 0o700);
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(this.dir, uid, uid);
    this.asPostgres([`${this.bin}/initdb`, '-D', this.dir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    return this;
  }

  start(): void {
    this.asPostgres([`${this.bin}/pg_ctl`, '-D', this.dir, '-w', '-l', `${this.dir}/log`, '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  }

  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    this.asPostgres([`${this.bin}/pg_ctl`, '-D', this.dir, '-w', '-m', mode, 'stop']);
  }

  restart(): void {
    this.stop('fast');
    this.start();
  }
}
