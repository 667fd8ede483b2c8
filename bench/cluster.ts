/**
 * `npm run cluster`: the multi-node run of bench/cluster-run.ts with its figures as a table and JSON
 * (bench/results/cluster.json). LADING_CLUSTER_SECONDS (default 10) is the load per phase,
 * LADING_CLUSTER_CONCURRENCY (default 16) the clients; NATS at LADING_BENCH_NATS_URL or
 * nats://127.0.0.1:4222. Needs Debian's haproxy and PostgreSQL binaries (and root, to run the
 * private PostgreSQL as the postgres user).
 */
import { table } from '../src/cli/output.js';
import { runCluster } from './cluster-run.js';
import { machine, writeResult } from './machine.js';

const seconds = Number(process.env['LADING_CLUSTER_SECONDS'] ?? '10');
const concurrency = Number(process.env['LADING_CLUSTER_CONCURRENCY'] ?? '16');
const r = await runCluster({ natsUrl: process.env['LADING_BENCH_NATS_URL'] ?? 'nats://127.0.0.1:4222', seconds, concurrency });
const pct = (x: number) => `${(100 * x).toFixed(3)}%`;
const rows: [string, string, string][] = [
  ...r.throughput.map((t): [string, string, string] => [`req/s through HAProxy, ${t.servers} server process(es), single-text, c${concurrency}`, t.rps.toFixed(0), t.servers === 1 ? '' : `x${(t.rps / r.throughput[0]!.rps).toFixed(2)} of 1 (2 cores: bounded)`]),
  ['a deployment change: seconds until every server answers with it', r.deploymentChangeSeconds.toFixed(2), '<= 1'],
  ['its rollback: seconds until every server answers with it', r.rollbackSeconds.toFixed(2), '<= 1'],
  ['server SIGKILLed under load: failed requests', `${r.serverKilled.failed} of ${r.serverKilled.ok + r.serverKilled.failed} (${pct(r.serverKilled.failedShare)})`, '<= 0.1%'],
  ['rolling restart of all servers: failed requests', `${r.rollingRestart.failed} of ${r.rollingRestart.ok + r.rollingRestart.failed}`, '0'],
  ['controller SIGKILLed during a release: seconds until the standby acts', r.controllerTakeoverSeconds.toFixed(1), '<= 10'],
  ['... then seconds until the release moves on (next step or a decision)', `${r.releaseMovedOnSeconds === null ? 'did not' : r.releaseMovedOnSeconds.toFixed(1)} (step ${r.releaseStepAfterTakeover.step}, ${r.releaseStepAfterTakeover.status})`, 'the release goes on'],
  ['PostgreSQL restarted under load: failed requests', `${r.postgresRestart.failed} of ${r.postgresRestart.ok + r.postgresRestart.failed} (${pct(r.postgresRestart.failedShare)})`, 'servers keep answering'],
  ['PostgreSQL restarted: prediction-log rows before -> after', `${r.postgresRestart.logRowsBefore} -> ${r.postgresRestart.logRowsAfter}`, 'writes resume'],
  ['stream: offers with their result (2 workers, one consumer)', `${r.stream.results} of ${r.stream.published}`, 'all'],
];
process.stdout.write(`\n${table(['figure', 'measured', 'target'], rows)}\n`);
process.stdout.write(`command: npm run cluster (LADING_CLUSTER_SECONDS=${seconds}, LADING_CLUSTER_CONCURRENCY=${concurrency}); data: grocery titles (../shared/datasets/grocery); machine: ${JSON.stringify(machine())}\n`);
process.stdout.write(`wrote ${writeResult('cluster', { machine: machine(), seconds, concurrency, ...r })}\n`);
