import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verb as deployVerb } from '../../src/cli/deploy.js';
import { verb as logVerb } from '../../src/cli/log.js';
import { openEmbeddedWorkspace, startStreamProcess, type StreamSettings } from '../../src/platform/index.js';
import { runVerb } from '../helpers/run-cli.js';
import { trainFixtureModels } from '../serving/fixtures.js';
import { testStreams } from './nats-streams.js';

// Only test files read the environment. Locally: LADING_TEST_NATS_URL=nats://127.0.0.1:4222
const url = process.env['LADING_TEST_NATS_URL'];
const bin = fileURLToPath(new URL('../../../bin/lading.js', import.meta.url));

interface Result { id: string; label: string; score: number; top: Array<{ label: string; score: number }>; endpoint: string; model: string; version: string; variant: string }
interface Dead { reason: string; id?: string; seq: number; deliveries: number; body: string }

async function waitFor<T>(what: string, read: () => Promise<T>, done: (x: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const x = await read();
    if (done(x)) return x;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(x).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const settings = (home: string): StreamSettings => ({
  home, registryUrl: undefined, registrySchema: 'public', workers: 1, maxDelayMs: 2, pollMs: 1000,
  log: false, logFlushMs: 1000, logQueueTexts: 50_000, logRetentionDays: 30, logRetentionRows: 10_000_000, logText: true,
  streamUrl: url ?? '', host: '127.0.0.1', maxBodyKb: 1024,
});

if (url === undefined || url === '') {
  test('lading stream', { skip: 'LADING_TEST_NATS_URL is not set (e.g. nats://127.0.0.1:4222)' }, () => undefined);
} else {
  const fx = await trainFixtureModels();

  test('lading stream: every input gets exactly one stored result with its id, poison messages go to the dead letters with their reasons, SIGTERM acks and exits 0', async () => {
    const s = await testStreams(url);
    const home = mkdtempSync(join(tmpdir(), 'lading-stream-'));
    try {
      const json = Array.from({ length: 400 }, (_, i) => JSON.stringify({ id: `o-${i}`, text: fx.texts[i % fx.texts.length], key: `shop-${i % 7}` }));
      const plain = Array.from({ length: 10 }, (_, i) => fx.texts[i]!);
      const poison: Array<string | Uint8Array> = [
        '{"id": "bad-1", "text": "half a JSON', JSON.stringify({ id: 'bad-2', text: 5 }), JSON.stringify({ id: 'bad-3', text: '   ' }),
        new Uint8Array([0xff, 0xfe, 0x41]), JSON.stringify({ id: 'bad-5', text: 'x'.repeat(10_001) }),
      ];
      // Poison in the middle: the good inputs after it are classified all the same.
      await s.publish([...json.slice(0, 200), ...poison, ...json.slice(200), ...plain], [...json.map(() => undefined).slice(0, 205), ...json.map(() => undefined).slice(200), ...plain.map((_, i) => `p-${i}`)]);
      const child = spawn(process.execPath, [bin, 'stream', '--model', fx.a, '--name', 'hs', '--from', `${s.input}:${s.inSubject}`, '--to', s.outSubject,
        '--home', home, '--workers', '1', '--stream-url', url, '--batch', '64', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

      const results = await waitFor('410 results', async () => (await s.read(s.outSubject)) as Result[], (r) => r.length >= 410);
      const dead = await waitFor('5 dead letters', async () => (await s.read(`${s.outSubject}.dead`)) as Dead[], (d) => d.length >= 5);
      const summary = JSON.parse(out) as { consumer: string; resultStream: string; createdStreams: string[]; duplicateWindowMs: number };
      assert.deepEqual(summary.createdStreams, [summary.resultStream], 'the result subject had no stream: one was made for it');
      assert.equal(summary.duplicateWindowMs, 600_000);

      const ids = results.map((r) => r.id).sort();
      const expected = [...json.map((_, i) => `o-${i}`), ...plain.map((_, i) => `p-${i}`)].sort();
      assert.deepEqual(ids, expected, 'one result per input, by its id (JSON id, or the Nats-Msg-Id of a plain body)');
      for (const r of results) {
        assert.equal(r.endpoint, 'hs');
        assert.equal(r.variant, 'main');
        assert.equal(r.top.length, 5);
        assert.equal(r.top[0]!.label, r.label);
        assert.ok(r.score > 0 && r.score <= 1);
      }
      const reasons = new Map(dead.map((d) => [d.id ?? d.body.slice(0, 4), d.reason]));
      assert.match(dead.find((d) => d.body.startsWith('{"id": "bad-1"'))!.reason, /not JSON/);
      assert.match(reasons.get('bad-2')!, /field "text": expected a string, got number/);
      assert.match(reasons.get('bad-3')!, /the text is empty/);
      assert.ok(dead.some((d) => /not UTF-8/.test(d.reason)), `invalid UTF-8 named: ${JSON.stringify([...reasons])}`);
      assert.match(reasons.get('bad-5')!, /10001 characters; at most 10000/);
      for (const d of dead) assert.equal(d.deliveries, 1, 'a message that can never be classified is dead at its first delivery');

      const consumer = await waitFor('every input acked', () => s.jsm.consumers.info(s.input, summary.consumer), (c) => c.num_pending === 0 && c.num_ack_pending === 0);
      assert.equal(consumer.delivered.stream_seq, 415);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, err);
      assert.match(err, /stopped: 410 classified, 5 dead-lettered, 0 to retry/);
      // Every result is in the prediction log, with the input's id as its request id.
      const exported = await runVerb(logVerb, ['export', '--endpoint', 'hs', '--since', '1h', '--format', 'jsonl', '--home', home]);
      assert.equal(exported.code, 0, exported.stderr);
      const logged = exported.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { requestId: string }).requestId).sort();
      assert.deepEqual(logged, expected);
    } finally {
      await s.cleanup();
    }
  });

  test('lading stream: an input classified again (other consumers over the same inputs, fenced or acknowledged one by one) adds no second result: the result stream drops it by the input id', async () => {
    const s = await testStreams(url);
    const home = mkdtempSync(join(tmpdir(), 'lading-stream-'));
    try {
      await s.publish(Array.from({ length: 300 }, (_, i) => JSON.stringify({ id: `x-${i}`, text: fx.texts[i % fx.texts.length] })));
      const first = await startStreamProcess(settings(home), { models: [{ ref: fx.a, endpoint: 'hs' }] }, { from: s.input, to: s.outSubject, consumer: 'first', batch: 50 });
      await waitFor('the first pass', async () => first.worker.counts.classified, (n) => n === 300);
      await first.close();
      assert.equal(first.worker.proof, 'fence', 'the stream it made stores the fence subject: one fence per micro-batch');
      // Again, fenced: the stream drops the core-published duplicates by their Nats-Msg-Id.
      const fenced = await startStreamProcess(settings(home), { models: [{ ref: fx.a, endpoint: 'hs' }] }, { from: s.input, to: s.outSubject, consumer: 'fenced', batch: 50 });
      await waitFor('the fenced second pass', async () => fenced.worker.counts.classified, (n) => n === 300);
      await fenced.close();
      // Again, each result acknowledged: the acknowledgements say duplicate.
      const again = await startStreamProcess(settings(home), { models: [{ ref: fx.a, endpoint: 'hs' }] }, { from: s.input, to: s.outSubject, consumer: 'again', batch: 50, ackEachResult: true });
      assert.equal(again.worker.proof, 'each');
      await waitFor('the acknowledged third pass', async () => again.worker.counts.classified, (n) => n === 300);
      const metrics = await again.worker.metricsText();
      await again.close();
      const results = (await s.read(s.outSubject)) as Result[];
      assert.equal(results.length, 300, 'still one result per input');
      assert.equal(new Set(results.map((r) => r.id)).size, 300);
      assert.match(metrics, /lading_stream_duplicate_results_total 300/);
      assert.match(metrics, /lading_stream_inputs_total\{outcome="classified"\} 300/);
    } finally {
      await s.cleanup();
    }
  });

  test('lading stream: bad flags are named and nothing starts', async () => {
    const s = await testStreams(url);
    try {
      const home = mkdtempSync(join(tmpdir(), 'lading-stream-'));
      await assert.rejects(startStreamProcess(settings(home), { models: [{ ref: fx.a }] }, { from: 'NO_SUCH_STREAM_X9', to: s.outSubject }), /--from: no JetStream stream named NO_SUCH_STREAM_X9/);
      await assert.rejects(startStreamProcess(settings(home), { models: [{ ref: fx.a }] }, { from: 'bad name', to: s.outSubject }), /--from "bad name": the stream name must be/);
      await assert.rejects(startStreamProcess(settings(home), { models: [{ ref: fx.a }] }, { from: s.input, to: s.outSubject, batch: 1024, concurrency: 2, maxAckPending: 1000 }),
        /--batch × --concurrency \(2048\) is more than --max-ack-pending \(1000\)/);
      await assert.rejects(startStreamProcess({ ...settings(home), streamUrl: 'nats://127.0.0.1:1' }, { models: [{ ref: fx.a }] }, { from: s.input, to: s.outSubject }), /cannot reach NATS at nats:\/\/127.0.0.1:1/);
      const streams: string[] = await s.jsm.streams.names().next();
      assert.ok(!streams.some((n) => n.startsWith(`LADING_RESULTS_${s.tag}`)), 'no result stream was made');
    } finally {
      await s.cleanup();
    }
  });

  test('lading stream --deployment: a canary moved from 10% to 50% mid-stream shows in the results within a second, with no restart; inputs with a sticky key keep their variant', async () => {
    const s = await testStreams(url);
    const home = mkdtempSync(join(tmpdir(), 'lading-stream-'));
    const ws = openEmbeddedWorkspace(home);
    try {
      for (const [i, file] of [fx.a, fx.b].entries()) {
        await ws.registerModelVersion({ name: 'm', artifactBytes: readFileSync(file), actor: 'ana' });
        await ws.approveVersion({ name: 'm', version: i + 1, actor: 'bo' });
      }
    } finally {
      ws.close();
    }
    const deploy = (...argv: string[]) => runVerb(deployVerb, [...argv, '--home', home, '--actor', 'ann', '--json']);
    assert.equal((await deploy('set', 'hs', '--mode', 'canary', '--variant', 'stable=m@1:90', '--variant', 'new=m@2:10')).code, 0);
    const worker = await startStreamProcess({ ...settings(home), pollMs: 200 }, { deployments: ['hs'] }, { from: s.input, to: s.outSubject, batch: 100, port: 0 });
    try {
      const batch = (from: number) => Array.from({ length: 1000 }, (_, i) => JSON.stringify({ id: `d-${from + i}`, text: fx.texts[(from + i) % fx.texts.length] }));
      await s.publish(batch(0));
      await waitFor('the first 1,000', async () => worker.worker.counts.classified, (n) => n === 1000);
      assert.equal((await deploy('canary', 'hs', 'new', '--share', '50')).code, 0);
      await new Promise((r) => setTimeout(r, 1000));
      await s.publish(batch(1000));
      await waitFor('the next 1,000', async () => worker.worker.counts.classified, (n) => n === 2000);
      const results = (await s.read(s.outSubject)) as Result[];
      const share = (lo: number, hi: number) => {
        const part = results.filter((r) => { const n = Number(r.id.slice(2)); return n >= lo && n < hi; });
        assert.equal(part.length, hi - lo);
        return part.filter((r) => r.variant === 'new').length / part.length;
      };
      const before = share(0, 1000);
      const after = share(1000, 2000);
      assert.ok(before > 0.05 && before < 0.16, `10% canary: ${before}`);
      assert.ok(after > 0.42 && after < 0.58, `50% canary a second after the change: ${after}`);
      assert.deepEqual(new Set(results.map((r) => r.version)), new Set(['1', '2']));
      // Sticky keys: inputs that carry a key (a merchant, a shipper) all go to that key's variant.
      await s.publish(Array.from({ length: 1000 }, (_, i) => JSON.stringify({ id: `k-${i}`, text: fx.texts[i % fx.texts.length], key: `merchant-${i % 40}` })));
      await waitFor('the keyed 1,000', async () => worker.worker.counts.classified, (n) => n === 3000);
      const keyed = ((await s.read(s.outSubject)) as Result[]).filter((r) => r.id.startsWith('k-'));
      assert.equal(keyed.length, 1000);
      const variantOf = new Map<string, Set<string>>();
      for (const r of keyed) {
        const key = `merchant-${Number(r.id.slice(2)) % 40}`;
        variantOf.set(key, (variantOf.get(key) ?? new Set()).add(r.variant));
      }
      assert.ok([...variantOf.values()].every((v) => v.size === 1), `each key answered by one variant: ${JSON.stringify([...variantOf].map(([k, v]) => [k, [...v]]))}`);
      const newKeys = [...variantOf.values()].filter((v) => v.has('new')).length;
      assert.ok(newKeys >= 8 && newKeys <= 32, `about half of 40 keys on the 50% canary: ${newKeys}`);
      // --port: the worker's own meters beside the serving plane's.
      const metrics = await (await fetch(`${worker.url}/metrics`)).text();
      assert.match(metrics, /lading_stream_inputs_total\{outcome="classified"\} 3000/);
      assert.match(metrics, /lading_stream_batch_inputs_count \d+/);
      assert.match(metrics, /lading_stream_consumer_pending \d+/);
      assert.match(metrics, /lading_stream_input_to_result_seconds_bucket/);
    } finally {
      await worker.close();
      await s.cleanup();
    }
  });
}
