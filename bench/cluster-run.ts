/**
 * One multi-node run (`npm run cluster`, and test/cluster/cluster.test.ts with shorter phases):
 * three `lading serve` processes behind HAProxy, two `lading stream` workers on one JetStream
 * consumer, two `lading controller`s (one active, one standby) and one `lading monitor run`, all on a
 * PostgreSQL registry (a private instance, so that it can be restarted) and the machine's NATS.
 * Under a closed-loop load through the balancer it measures: throughput with 1, 2 and 3 servers; how
 * long a deployment change and then its rollback take to reach every server (against 1 s); a
 * server SIGKILLed (failed requests, against 0.1%); a rolling restart of every server (failed
 * requests, against 0); the active controller SIGKILLed during a release (seconds until the standby
 * acts, against 10, and until the release reaches its next step); PostgreSQL restarted (failed requests, and whether the prediction log's writes resume); and
 * every offer published on the input stream getting its result.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { testStreams } from '../test/stream/nats-streams.js';
import { Balancer, BIN, freePort, LadingProcess, PrivatePostgres, sleep, startLoad, waitReady, type LoadCounts } from './cluster-parts.js';

export interface ClusterOptions {
  readonly natsUrl: string;
  /** Seconds of load per phase. */
  readonly seconds: number;
  readonly concurrency: number;
  readonly log?: (line: string) => void;
}

export interface ClusterReport {
  readonly throughput: { servers: number; rps: number; failed: number }[];
  /** Seconds from the revision's own timestamp until every server answers with the new version. */
  readonly deploymentChangeSeconds: number;
  readonly rollbackSeconds: number;
  readonly serverKilled: LoadCounts & { failedShare: number };
  readonly rollingRestart: LoadCounts & { failedShare: number };
  readonly controllerTakeoverSeconds: number;
  /** Seconds from the standby's takeover until the release in flight reached its next step or a decision; null if neither within 120 s. */
  readonly releaseMovedOnSeconds: number | null;
  readonly releaseStepAfterTakeover: { step: number; status: string };
  readonly postgresRestart: LoadCounts & { failedShare: number; logRowsBefore: number; logRowsAfter: number };
  readonly stream: { published: number; results: number };
}

const share = (c: LoadCounts) => ({ ...c, failedShare: c.failed / Math.max(1, c.ok + c.failed) });

export async function runCluster(o: ClusterOptions): Promise<ClusterReport> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dir = mkdtempSync(join(tmpdir(), 'lading-cluster-'));
  // Its own temp folder: the postgres user must reach it (mkdtemp's folders are root's, mode 700).
  const pgDir = mkdtempSync(join(tmpdir(), 'lading-cluster-pg-'));
  const db = new PrivatePostgres(pgDir, await freePort()).init();
  db.start();
  const streams = await testStreams(o.natsUrl);
  const procs: LadingProcess[] = [];
  const balancers: Balancer[] = [];
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, LADING_REGISTRY_URL: db.url, LADING_REGISTRY_SCHEMA: 'lading', LADING_INTERACTIVE: 'false', LADING_ACTOR: 'cluster' };
    delete env['LADING_BUS_URL'];
    const lading = (name: string, home: string, args: readonly string[]) => {
      const p = new LadingProcess(name, [...args, '--home', join(dir, home)], env);
      procs.push(p);
      return p;
    };
    // A model on PostgreSQL, approved, aliased and deployed as endpoint "offers".
    const data = join(dir, 'offers.csv');
    const grocery = readFileSync(resolve('..', 'shared', 'datasets', 'grocery', 'train.csv'), 'utf8').split('\n');
    writeFileSync(data, `${grocery.slice(0, 8001).join('\n')}\n`);
    const texts = grocery.slice(8001, 9001).map((l) => l.split(',')[0]!.replace(/^"|"$/g, '')).filter((t) => t.length > 0);
    log('cluster: training and registering a fasttext model on PostgreSQL...');
    for (const args of [
      ['train', '--data', data, '--model', 'fasttext', '--param', 'epochs=3', '--register', 'offers'],
      ['train', '--data', data, '--model', 'fasttext', '--param', 'epochs=3', '--seed', '2', '--register', 'offers'],
      ['models', 'approve', 'offers', '1', '--actor', 'reviewer'], ['models', 'approve', 'offers', '2', '--actor', 'reviewer'],
      ['models', 'alias', 'offers', 'champion', '1'],
      ['deploy', 'set', 'offers', '--variant', 'main=offers@champion'],
    ]) {
      const p = lading(`setup ${args[0]}`, 'setup', args).start();
      await new Promise((r) => p.child!.once('exit', r));
      if (p.child!.exitCode !== 0) throw new Error(`lading ${args.join(' ')}:\n${p.output}`);
    }
    // Three servers, two stream workers, two controllers, one monitor.
    const ports = [await freePort(), await freePort(), await freePort()];
    const servers = ports.map((port, i) => lading(`server ${i + 1}`, `server-${i + 1}`, ['serve', '--deployment', 'offers', '--port', String(port), '--workers', '1']).start());
    const workers = [1, 2].map((i) => lading(`stream ${i}`, `stream-${i}`, ['stream', '--deployment', 'offers', '--from', `${streams.input}:${streams.inSubject}`, '--to', streams.outSubject, '--consumer', 'cluster', '--stream-url', o.natsUrl]));
    // One after the other: the first creates the result stream, the second finds it.
    for (const w of workers) await w.start().waitFor(/^classifying /m, 120_000);
    const controllers = [1, 2].map((i) => lading(`controller ${i}`, `controller-${i}`, ['controller', '--interval-ms', '500']).start());
    lading('monitor', 'monitor', ['monitor', 'run', '--interval-ms', '5000']).start();
    await Promise.all(ports.map((p) => waitReady(`http://127.0.0.1:${p}/v2/health/ready`, 120_000)));
    log('cluster: up (3 servers, 2 stream workers, 2 controllers, 1 monitor)');

    // Throughput through the balancer with 1, 2 and 3 servers behind it.
    const throughput: ClusterReport['throughput'] = [];
    for (const n of [1, 2, 3]) {
      const b = new Balancer(dir, await freePort(), ports.slice(0, n)).start();
      balancers.push(b);
      const url = `http://127.0.0.1:${b.port}`;
      await waitReady(`${url}/v2/health/ready`);
      const load = startLoad(`${url}/v1/models/offers:classify`, texts, o.concurrency);
      await sleep(o.seconds * 1000);
      const c = await load.stop();
      throughput.push({ servers: n, rps: c.ok / c.seconds, failed: c.failed });
      log(`cluster: ${n} server(s): ${(c.ok / c.seconds).toFixed(0)} req/s, ${c.failed} failed`);
      await b.stop();
    }
    const front = new Balancer(dir, await freePort(), ports).start();
    balancers.push(front);
    const url = `http://127.0.0.1:${front.port}`;
    await waitReady(`${url}/v2/health/ready`);
    const classify = `${url}/v1/models/offers:classify`;

    // A deployment change, then its rollback, under load: when does every server answer with it?
    let load = startLoad(classify, texts, o.concurrency);
    /** Runs one lading command to its end (from the setup workspace) and returns its JSON output. */
    const cli = async <T>(args: readonly string[]): Promise<T> => {
      const p = lading(`${args[0]} ${args[1]}`, 'setup', [...args, '--json']).start();
      await new Promise((r) => p.child!.once('exit', r));
      if (p.child!.exitCode !== 0) throw new Error(`lading ${args.join(' ')}:\n${p.output}`);
      return JSON.parse(p.output.slice(p.output.indexOf('{'))) as T;
    };
    const change = async (args: readonly string[], version: number): Promise<number> => {
      const at = Date.parse((await cli<{ at: string }>(['deploy', ...args])).at);
      for (;;) {
        const served = await Promise.all(ports.map((port) => servedVersion(port, 'offers')));
        if (served.every((v) => String(v) === String(version))) return (Date.now() - at) / 1000;
        if (Date.now() - at > 30_000) throw new Error(`servers answer with versions ${served.join(', ')} 30 s after the change to ${version}`);
        await sleep(20);
      }
    };
    const deploymentChangeSeconds = await change(['set', 'offers', '--variant', 'main=offers@2'], 2);
    const rollbackSeconds = await change(['rollback', 'offers'], 1);
    const changed = await load.stop();
    log(`cluster: a deployment change reached every server in ${deploymentChangeSeconds.toFixed(2)} s, its rollback in ${rollbackSeconds.toFixed(2)} s (${changed.failed} of ${changed.ok + changed.failed} requests failed meanwhile)`);

    // A server SIGKILLed under load.
    load = startLoad(classify, texts, o.concurrency);
    await sleep((o.seconds * 1000) / 2);
    await servers[0]!.stop('SIGKILL');
    await sleep((o.seconds * 1000) / 2);
    const serverKilled = share(await load.stop());
    log(`cluster: server SIGKILLed: ${serverKilled.failed} of ${serverKilled.ok + serverKilled.failed} failed`);
    servers[0]!.start();
    await waitReady(`http://127.0.0.1:${ports[0]}/v2/health/ready`, 120_000);
    await sleep(1500); // two health checks to be up again at the balancer

    // A rolling restart: each server in turn, SIGTERM (it drains), start, ready, back at the balancer.
    load = startLoad(classify, texts, o.concurrency);
    for (let i = 0; i < servers.length; i++) {
      await servers[i]!.stop('SIGTERM');
      servers[i]!.start();
      await waitReady(`http://127.0.0.1:${ports[i]}/v2/health/ready`, 120_000);
      await sleep(1500);
    }
    const rollingRestart = share(await load.stop());
    log(`cluster: rolling restart: ${rollingRestart.failed} of ${rollingRestart.ok + rollingRestart.failed} failed`);

    // The active controller SIGKILLed in the middle of a release: how long until the standby acts,
    // and whether the release goes on (its shadow step, counted from the logged shadow answers,
    // moves to the first canary step under the standby).
    load = startLoad(classify, texts, o.concurrency);
    type Shown = { release: { step: number; status: string } };
    const release = async () => (await cli<Shown>(['experiment', 'show', 'offers'])).release;
    await cli(['experiment', 'start', 'offers', '--challenger', 'offers@2', '--reason', 'cluster run']);
    for (let t0 = Date.now(); (await release()).step < 0; await sleep(200)) {
      if (Date.now() - t0 > 60_000) throw new Error('the release did not deploy its first step within 60 s');
    }
    await Promise.race(controllers.map((c) => c.waitFor(/acting \(holds the lease\)/, 60_000)));
    const active = controllers.find((c) => /acting \(holds the lease\)/.test(c.output))!;
    const standby = controllers.find((c) => c !== active)!;
    const mark = standby.output.length;
    const killedAt = Date.now();
    await active.stop('SIGKILL');
    const tookOver = await standby.waitFor(/acting \(holds the lease\)/, 60_000, mark);
    const controllerTakeoverSeconds = (tookOver - killedAt) / 1000;
    let releaseAfterTakeover = await release();
    while (releaseAfterTakeover.step < 1 && releaseAfterTakeover.status === 'running' && Date.now() - tookOver < 120_000) {
      await sleep(500);
      releaseAfterTakeover = await release();
    }
    // Moved on: the next step, or a decision (a shadow that disagrees too much is rolled back: that too is the release going on).
    const movedOn = releaseAfterTakeover.step >= 1 || releaseAfterTakeover.status !== 'running';
    const releaseMovedOnSeconds = movedOn ? (Date.now() - tookOver) / 1000 : null;
    await cli(['experiment', 'stop', 'offers', '--reason', 'cluster run: next phase']).catch(() => undefined);
    const duringRelease = await load.stop();
    log(`cluster: controller SIGKILLed during a release: the standby acts after ${controllerTakeoverSeconds.toFixed(1)} s; the release ${releaseMovedOnSeconds === null ? `did not move on (step ${releaseAfterTakeover.step}, ${releaseAfterTakeover.status})` : `moved on ${releaseMovedOnSeconds.toFixed(1)} s later (step ${releaseAfterTakeover.step}, ${releaseAfterTakeover.status})`} (${duringRelease.failed} of ${duringRelease.ok + duringRelease.failed} requests failed)`);
    active.start();

    // PostgreSQL restarted under load: the servers answer from loaded models; the log's writes resume.
    const rows = async () => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try { return Number((await c.query('SELECT count(*) AS n FROM lading.mon_predictions')).rows[0].n); } finally { await c.end(); }
    };
    load = startLoad(classify, texts, o.concurrency);
    await sleep(2000);
    const logRowsBefore = await rows();
    db.restart();
    await sleep(Math.max(3000, (o.seconds * 1000) / 2));
    let logRowsAfter = await rows();
    for (let i = 0; i < 20 && logRowsAfter <= logRowsBefore; i++) { await sleep(500); logRowsAfter = await rows(); }
    const postgresRestart = { ...share(await load.stop()), logRowsBefore, logRowsAfter };
    log(`cluster: PostgreSQL restarted: ${postgresRestart.failed} of ${postgresRestart.ok + postgresRestart.failed} failed; log rows ${logRowsBefore} -> ${logRowsAfter}`);

    // Offers on the stream: each gets its result, from either worker.
    const offers = texts.slice(0, 500).map((text, i) => JSON.stringify({ id: `offer-${i}`, text }));
    await streams.publish(offers);
    let results = 0;
    for (let i = 0; i < 120; i++) {
      results = new Set((await streams.readMany(streams.outSubject)).map((r) => (r as { id: string }).id)).size;
      if (results >= offers.length) break;
      await sleep(500);
    }
    log(`cluster: stream: ${results} of ${offers.length} offers got their result`);
    return { throughput, deploymentChangeSeconds, rollbackSeconds, serverKilled, rollingRestart, controllerTakeoverSeconds, releaseMovedOnSeconds, releaseStepAfterTakeover: releaseAfterTakeover, postgresRestart, stream: { published: offers.length, results } };
  } finally {
    await Promise.all(balancers.map((b) => b.stop()));
    await Promise.all(procs.map((p) => p.stop('SIGTERM', 10_000)));
    await streams.cleanup().catch(() => undefined);
    await streams.nc.close().catch(() => undefined);
    try { db.stop('immediate'); } catch { /* already down */ }
    rmSync(dir, { recursive: true, force: true });
    rmSync(pgDir, { recursive: true, force: true });
  }
}

/** The model version a server answers with for `endpoint` (its first variant), from GET /v1/models. */
async function servedVersion(port: number, endpoint: string): Promise<number | string | undefined> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/v1/models`);
    const body = (await r.json()) as { endpoints: { endpoint: string; variants: { version: number | string }[] }[] };
    return body.endpoints.find((e) => e.endpoint === endpoint)?.variants[0]?.version;
  } catch {
    return undefined;
  }
}

export { BIN };
