import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Subscription } from '../../src/bus/bus.js';
import { JetStreamBus } from '../../src/bus/jetstream/jetstream-bus.js';
import { verb as feedbackVerb } from '../../src/cli/feedback.js';
import { verb as modelsVerb } from '../../src/cli/models.js';
import type { LifecycleEvent } from '../../src/core/lifecycle-events.js';
import { createEventPublisher } from '../../src/platform/index.js';
import { runVerb } from '../helpers/run-cli.js';
import { writeSyntheticArtifact } from '../registry/models/fixtures.js';

// Only test files read the environment. Locally: LADING_TEST_NATS_URL=nats://127.0.0.1:4222
const url = process.env['LADING_TEST_NATS_URL'];

/** The events of `mine` heard on the subscription, waiting up to `waitMs` for `count` of them. */
async function hear(sub: Subscription, count: number, mine: (e: LifecycleEvent) => boolean, waitMs = 5_000): Promise<LifecycleEvent[]> {
  const out: LifecycleEvent[] = [];
  const until = Date.now() + waitMs;
  while (out.length < count && Date.now() < until) {
    for (const d of await sub.next(100, 500)) {
      await d.ack();
      if (mine(d.event)) out.push(d.event);
    }
  }
  return out;
}

if (url === undefined || url === '') {
  test('verbs publish on NATS JetStream', { skip: 'LADING_TEST_NATS_URL is not set (e.g. nats://127.0.0.1:4222)' }, () => undefined);
  process.stdout.write('# skipped the verbs-on-NATS test: LADING_TEST_NATS_URL is not set\n');
} else {
  test('with --bus-url, models register / approve and feedback import publish on NATS JetStream (LADING_EVENTS), and a republish is dropped by its id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lading-verb-events-nats-'));
    const home = join(dir, 'home');
    // The stream the verbs use is the platform's, LADING_EVENTS; this test's names are its own, and
    // its durable starts at the events published after it was made, so other runs never mix in.
    const tag = `t${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const model = `m-${tag}`;
    const endpoint = `e-${tag}`;
    const bus = await JetStreamBus.open({ url });
    const durable = `verb_events_${tag}`;
    const sub = await bus.subscribe(durable, { deliverFrom: 'new', subjects: ['lading.model.>', 'lading.feedback.>'] });
    const mine = (e: LifecycleEvent) => ('model' in e && e.model === model) || ('endpoint' in e && e.endpoint === endpoint);
    const flags = ['--home', home, '--bus-url', url, '--actor', 'ana'];
    try {
      const registered = await runVerb(modelsVerb, ['register', model, writeSyntheticArtifact(dir, 1), '--json', ...flags]);
      assert.equal(registered.code, 0, registered.stderr);
      assert.equal(registered.stderr, '', 'published without a warning');
      const sha = (JSON.parse(registered.stdout) as { artifactSha256: string }).artifactSha256;
      const approved = await runVerb(modelsVerb, ['approve', model, '1', '--reason', 'gates passed', ...flags]);
      assert.equal(approved.code, 0, approved.stderr);
      const labels = join(dir, 'labels.csv');
      writeFileSync(labels, 'text,label\nsteel screws,7318\ncotton shirt,6205\n');
      const fed = await runVerb(feedbackVerb, ['import', labels, '--endpoint', endpoint, '--text', 'text', '--home', home, '--bus-url', url]);
      assert.equal(fed.code, 0, fed.stderr);

      const heard = await hear(sub, 3, mine);
      assert.deepEqual(heard.map(({ id: _id, time: _time, ...facts }) => facts), [
        { type: 'model.registered', subject: 'lading.model.registered', model, version: 1, sha256: sha, dataset: 'ds-0123456789abcdef', actor: 'ana' },
        { type: 'model.approved', subject: 'lading.model.approved', model, version: 1, actor: 'ana', reason: 'gates passed' },
        { type: 'feedback.received', subject: 'lading.feedback.received', endpoint, count: 2, newLabels: 0 },
      ]);

      // The approval published again (a retry after a crash would) carries the same id: JetStream drops it.
      const again = createEventPublisher({ home, busUrl: url }, { warn: (line) => assert.fail(line) });
      assert.equal(await again.publish([heard[1]!]), true);
      await again.close();
      assert.deepEqual(again.stats(), { published: 0, duplicates: 1, failed: 0 });
      assert.deepEqual(await hear(sub, 1, mine, 1_000), [], 'nothing new on the bus');
    } finally {
      await sub.close();
      await bus.deleteDurable(durable);
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
