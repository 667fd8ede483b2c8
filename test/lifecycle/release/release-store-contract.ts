import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ConflictError, NotFoundError } from '../../../src/core/errors.js';
import type { ReleasePlan } from '../../../src/lifecycle/pipeline/pipeline-spec.js';
import type { ControllerLease } from '../../../src/lifecycle/release/controller-lease.js';
import type { NewRelease, ReleaseIntent, ReleaseStore } from '../../../src/lifecycle/release/release-record.js';

const T0 = 1_800_000_000_000;

const PLAN: ReleasePlan = {
  steps: [{ kind: 'shadow', requests: 200, minAgreement: 0.5 }, { kind: 'canary', percent: 20 }],
  requireApproval: true, alpha: 0.05, minEffect: 0.05, maxLabels: 20_000,
  guardrails: { errorRate: 0.01, p99Ms: 50, drift: true, accuracy: true },
};

export function newRelease(endpoint: string, over: Partial<NewRelease> = {}): NewRelease {
  return {
    endpoint, pipeline: 'nightly', challenger: 'm@2', champion: 'm@1', baseRevision: 3, plan: PLAN, reason: 'pipeline nightly passed its gates',
    baseSpec: { endpoint, mode: 'single', variants: [{ name: 'main', model: 'm@1', weight: 1, role: 'primary' }], logText: false },
    ...over,
  };
}

const isConflict = (code: string, message?: string) => (e: unknown) => {
  assert.ok(e instanceof ConflictError, `a ConflictError, not ${String(e)}`);
  assert.equal(e.code, code);
  if (message !== undefined) assert.equal(e.message, message);
  return true;
};

/** A fresh, empty store on one back-end. */
export interface ReleaseStoreUnderTest {
  readonly store: ReleaseStore;
  cleanup(): Promise<void>;
}

/** What ReleaseStore promises, whichever back-end keeps it (sqlite/, postgres/). */
export function releaseStoreContract(name: string, open: () => Promise<ReleaseStoreUnderTest>): void {
  describe(`release store contract: ${name}`, () => {
    const opened: ReleaseStoreUnderTest[] = [];
    const fresh = async () => { const u = await open(); opened.push(u); return u.store; };
    after(async () => { for (const u of opened) { await u.store.close(); await u.cleanup(); } });

    it('create records a running release at step -1 with its first event; get reads it back whole', async () => {
      const s = await fresh();
      const r = await s.create(newRelease('hs'), T0);
      assert.equal(r.status, 'running');
      assert.deepEqual([r.step, r.rev, r.revision, r.stepSince, r.since, r.startedAt, r.updatedAt], [-1, 1, 3, T0, T0, T0, T0]);
      assert.deepEqual([r.intent, r.approvedBy, r.pipeline], [null, null, 'nightly']);
      assert.deepEqual(r.plan, PLAN);
      assert.deepEqual(r.baseSpec, newRelease('hs').baseSpec);
      assert.deepEqual(r.events, [{ at: T0, what: 'release of m@2 against m@1 on hs created: pipeline nightly passed its gates', revision: undefined }]);
      assert.deepEqual(await s.get(r.id), r);
      assert.equal(await s.get(r.id + 1000), undefined);
      const byHand = await s.create(newRelease('other', { pipeline: null }), T0 + 1);
      assert.equal(byHand.pipeline, null);
      assert.ok(byHand.id > r.id, 'ids grow');
    });

    it('one release per endpoint that is not final: a second create is a ConflictError naming the first and changes nothing', async () => {
      const s = await fresh();
      const first = await s.create(newRelease('hs'), T0);
      await assert.rejects(s.create(newRelease('hs', { challenger: 'm@3' }), T0 + 1),
        isConflict('release-in-progress', `endpoint hs already has release ${first.id} in progress`));
      assert.equal((await s.list('hs')).length, 1);
      await s.update(first.id, first.rev, { status: 'awaiting-approval' }, null, T0 + 2);
      await assert.rejects(s.create(newRelease('hs'), T0 + 3), isConflict('release-in-progress'), 'awaiting approval is not final either');
      await s.update(first.id, 2, { status: 'rolled-back', reason: 'guardrail' }, null, T0 + 4);
      const second = await s.create(newRelease('hs', { challenger: 'm@3' }), T0 + 5);
      assert.equal((await s.active('hs'))?.id, second.id, 'once final, the endpoint takes a new release');
    });

    it('two concurrent creates on one endpoint: exactly one lands, the other is a ConflictError naming it', async () => {
      const s = await fresh();
      for (let round = 0; round < 5; round++) {
        const endpoint = `race-${round}`;
        const results = await Promise.allSettled([s.create(newRelease(endpoint, { challenger: 'm@2' }), T0), s.create(newRelease(endpoint, { challenger: 'm@3' }), T0)]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        assert.equal(won.length, 1, `round ${round}: one create lands`);
        const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<ReleaseStore['create']>>>).value;
        isConflict('release-in-progress', `endpoint ${endpoint} already has release ${winner.id} in progress`)(lost[0]!.reason);
        assert.deepEqual((await s.list(endpoint)).map((r) => r.id), [winner.id]);
      }
    });

    it('active, listActive (oldest first) and list (newest first, by endpoint, limited)', async () => {
      const s = await fresh();
      const a = await s.create(newRelease('a'), T0);
      const b = await s.create(newRelease('b'), T0 + 1);
      const c = await s.create(newRelease('c'), T0 + 2);
      await s.update(b.id, b.rev, { status: 'promoted' }, null, T0 + 3);
      const b2 = await s.create(newRelease('b'), T0 + 4);
      assert.equal(await s.active('nowhere'), undefined);
      assert.equal((await s.active('b'))?.id, b2.id);
      assert.deepEqual((await s.listActive()).map((r) => r.id), [a.id, c.id, b2.id]);
      assert.deepEqual((await s.list()).map((r) => r.id), [b2.id, c.id, b.id, a.id]);
      assert.deepEqual((await s.list(undefined, 2)).map((r) => r.id), [b2.id, c.id]);
      assert.deepEqual((await s.list('b')).map((r) => [r.id, r.status]), [[b2.id, 'running'], [b.id, 'promoted']]);
      assert.deepEqual((await s.list('b', 1)).map((r) => r.id), [b2.id]);
      assert.deepEqual(await s.list('nowhere'), []);
      assert.equal((await s.list('a'))[0]!.events.length, 1, 'list carries events');
    });

    it('update applies the change and the event only from the rev it read; a stale rev is a ConflictError and changes nothing', async () => {
      const s = await fresh();
      const r = await s.create(newRelease('hs'), T0);
      const moved = await s.update(r.id, r.rev, { step: 0, stepSince: T0 + 10, since: T0 + 10, revision: 4, reason: 'shadow started' },
        { at: T0 + 10, what: 'step 0 landed', revision: 4 }, T0 + 11);
      assert.deepEqual([moved.rev, moved.step, moved.stepSince, moved.since, moved.revision, moved.reason, moved.updatedAt, moved.startedAt],
        [2, 0, T0 + 10, T0 + 10, 4, 'shadow started', T0 + 11, T0]);
      assert.equal(moved.status, 'running', 'what the change leaves out stays');
      await assert.rejects(s.update(r.id, r.rev, { status: 'stopped' }, { at: T0 + 12, what: 'stale' }, T0 + 12),
        isConflict('release-changed', `release ${r.id} changed meanwhile (now at 2, this change was made from 1)`));
      assert.deepEqual(await s.get(r.id), moved, 'the stale update changed nothing');
      await assert.rejects(s.update(r.id + 1000, 1, { status: 'stopped' }, null, T0), (e: unknown) => e instanceof NotFoundError && e.code === 'unknown-release');
      const approved = await s.update(r.id, moved.rev, { status: 'awaiting-approval', approvedBy: 'ana' }, null, T0 + 13);
      assert.deepEqual([approved.status, approved.approvedBy, approved.rev, approved.events.length], ['awaiting-approval', 'ana', 3, 2]);
    });

    it('of two concurrent updates from one rev exactly one lands', async () => {
      const s = await fresh();
      const r = await s.create(newRelease('hs'), T0);
      const results = await Promise.allSettled([
        s.update(r.id, r.rev, { step: 0 }, { at: T0 + 1, what: 'one' }, T0 + 1),
        s.update(r.id, r.rev, { step: 1 }, { at: T0 + 1, what: 'two' }, T0 + 1),
      ]);
      assert.equal(results.filter((x) => x.status === 'fulfilled').length, 1);
      isConflict('release-changed')((results.find((x) => x.status === 'rejected') as PromiseRejectedResult).reason);
      const now = (await s.get(r.id))!;
      assert.equal(now.rev, 2);
      assert.equal(now.events.length, 2);
      assert.equal(now.events[1]!.what, now.step === 0 ? 'one' : 'two', 'the event is the winner\'s');
    });

    it('events come back in the order they were written, with their revisions', async () => {
      const s = await fresh();
      let r = await s.create(newRelease('hs'), T0);
      const other = await s.create(newRelease('other'), T0);
      for (let i = 1; i <= 12; i++) {
        r = await s.update(r.id, r.rev, {}, { at: T0 + 100 - i, what: `event ${i}`, revision: i % 3 === 0 ? undefined : i }, T0 + i);
        if (i % 4 === 0) await s.update(other.id, (await s.get(other.id))!.rev, {}, { at: T0 + i, what: `other ${i}` }, T0 + i);
      }
      assert.deepEqual(r.events.slice(1).map((e) => [e.what, e.at, e.revision]),
        Array.from({ length: 12 }, (_, k) => [`event ${k + 1}`, T0 + 99 - k, (k + 1) % 3 === 0 ? undefined : k + 1]), 'written order, not time order');
      assert.deepEqual((await s.get(other.id))!.events.slice(1).map((e) => e.what), ['other 4', 'other 8', 'other 12']);
      assert.equal(r.rev, 13, 'an update with no change still moves rev');
    });

    it('an intent round-trips through JSON exactly and clears to null', async () => {
      const s = await fresh();
      const r = await s.create(newRelease('hs'), T0);
      const intent: ReleaseIntent = { action: 'step', toStep: 1, fromRevision: 4, tag: '[release 7 step 1]', reason: 'shadow agreed on 97.5% — «ok»' };
      const withIntent = await s.update(r.id, r.rev, { intent }, null, T0 + 1);
      assert.deepEqual(withIntent.intent, intent);
      assert.deepEqual((await s.get(r.id))!.intent, intent);
      const cleared = await s.update(r.id, withIntent.rev, { intent: null, step: 1 }, null, T0 + 2);
      assert.equal(cleared.intent, null);
      const fractional = await s.update(r.id, cleared.rev, { stepSince: T0 + 0.5 }, null, T0 + 2.25);
      assert.deepEqual([fractional.stepSince, fractional.updatedAt], [T0 + 0.5, T0 + 2.25], 'times keep their fractions');
    });
  });
}

/** Two leases on one store, as two controllers would hold them. */
export interface LeasesUnderTest {
  lease(me: string): Promise<ControllerLease>;
  cleanup(): Promise<void>;
}

/** What every ControllerLease promises: one holder at a time, a standby gets false, release hands over at once. */
export function controllerLeaseContract(name: string, open: () => Promise<LeasesUnderTest>): void {
  describe(`controller lease contract: ${name}`, () => {
    it('one holder at a time: the second acquirer gets false until the first releases, then takes over at once', async () => {
      const u = await open();
      try {
        const a = await u.lease('host-a:1');
        const b = await u.lease('host-b:2');
        const now = Date.now();
        assert.equal(await a.holder(now), null, 'nobody holds a fresh lease');
        assert.equal(await a.acquire(now), true);
        assert.equal(await a.acquire(now + 100), true, 'acquire renews while held');
        assert.equal(await b.acquire(now + 200), false);
        assert.equal(await b.holder(now + 200), 'host-a:1');
        assert.equal(await a.holder(now + 200), 'host-a:1');
        await a.release();
        assert.equal(await b.holder(now + 300), null, 'released: nobody holds it');
        assert.equal(await b.acquire(now + 300), true, 'the standby takes over at once');
        assert.equal(await a.acquire(now + 400), false, 'and the first one is now the standby');
        assert.equal(await a.holder(now + 400), 'host-b:2');
        await b.release();
        await b.release();
        assert.equal(await a.acquire(now + 500), true, 'released twice is still released once');
        await a.release();
      } finally {
        await u.cleanup();
      }
    });
  });
}
