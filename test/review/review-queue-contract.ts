import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { textSha256 } from '../../src/monitoring/log/text-key.js';
import type { ReviewItem, ReviewQueue, RoutedText } from '../../src/review/review-queue.js';

/** A fresh, empty queue on one back-end; `reopen` opens the same data again. */
export interface ReviewQueueUnderTest {
  readonly queue: ReviewQueue;
  reopen(): Promise<ReviewQueue>;
  cleanup(): Promise<void>;
}

const T0 = 1_700_000_000_000;

export function routed(text: string, over: Partial<RoutedText> = {}): RoutedText {
  return {
    endpoint: 'hs', text, textSha256: textSha256(text), requestId: `req-${text}`, position: 0,
    model: 'hs-model', version: '1', variant: 'main', suggestions: [{ label: '8471.30', score: 0.5 }, { label: '8471.41', score: 0.3 }], at: T0,
    ...over,
  };
}

const texts = (items: readonly ReviewItem[]) => items.map((i) => i.text);
const answer = (label: string, at = T0 + 99) => ({ label, actor: 'ana', note: null, suggestion: null, at });

/** The ReviewQueue contract (review/review-queue.ts) run against one adapter. */
export function reviewQueueContract(name: string, open: () => Promise<ReviewQueueUnderTest>): void {
  describe(`review queue contract: ${name}`, () => {
    const withQueue = (fn: (q: ReviewQueue, t: ReviewQueueUnderTest) => Promise<void>) => async () => {
      const t = await open();
      try {
        await fn(t.queue, t);
      } finally {
        await t.queue.close();
        await t.cleanup();
      }
    };

    it('groups identical texts (normalised) of an endpoint into one item that counts them; other endpoints apart', withQueue(async (q) => {
      const r = await q.enqueue([
        routed('LED TV 32 inch', { requestId: 'a' }),
        routed('led tv  32 INCH', { requestId: 'b', textSha256: textSha256('LED TV 32 inch'), at: T0 + 10, suggestions: [{ label: '8528.72', score: 0.4 }], version: '2' }),
        routed('LED TV 32 inch', { requestId: 'c', endpoint: 'other' }),
      ]);
      assert.deepEqual(r, { added: 3, duplicates: 0 });
      const { items } = await q.list({ endpoint: 'hs' });
      assert.equal(items.length, 1);
      const item = items[0]!;
      assert.equal(item.occurrences, 2);
      assert.equal(item.text, 'LED TV 32 inch', 'the text as first routed');
      assert.deepEqual(item.suggestions, [{ label: '8528.72', score: 0.4 }], 'the newest occurrence\'s suggestions');
      assert.equal(item.version, '2');
      assert.equal(item.firstSeen, T0);
      assert.equal(item.lastSeen, T0 + 10);
      assert.equal(item.state, 'open');
      assert.deepEqual((await q.occurrences(item.id)).map((o) => [o.requestId, o.version]), [['a', '1'], ['b', '2']]);
      assert.equal((await q.list({ endpoint: 'other' })).items[0]?.occurrences, 1);
    }));

    it('an older occurrence arriving late counts but does not replace the newest suggestions', withQueue(async (q) => {
      await q.enqueue([routed('x', { requestId: 'new', at: T0 + 100, version: '2' })]);
      await q.enqueue([routed('x', { requestId: 'old', at: T0, version: '1', suggestions: [{ label: 'old', score: 0.1 }] })]);
      const item = (await q.list({ endpoint: 'hs' })).items[0]!;
      assert.equal(item.occurrences, 2);
      assert.equal(item.version, '2');
      assert.equal(item.firstSeen, T0);
      assert.equal(item.lastSeen, T0 + 100);
    }));

    it('enqueue is idempotent by request id and position: a retried request is not counted twice; without an id each counts', withQueue(async (q) => {
      const batch = [routed('bolts', { requestId: 'r1', position: 0 }), routed('bolts', { requestId: 'r1', position: 1 })];
      assert.deepEqual(await q.enqueue(batch), { added: 2, duplicates: 0 });
      assert.deepEqual(await q.enqueue(batch), { added: 0, duplicates: 2 });
      assert.deepEqual(await q.enqueue([routed('bolts', { requestId: 'r2' }), routed('bolts', { requestId: 'r2' })]), { added: 1, duplicates: 1 }, 'twice in one batch');
      assert.deepEqual(await q.enqueue([routed('bolts', { requestId: null }), routed('bolts', { requestId: null })]), { added: 2, duplicates: 0 });
      assert.equal((await q.list({ endpoint: 'hs' })).items[0]!.occurrences, 5);
    }));

    it('concurrent batches over the same items lose no count', withQueue(async (q) => {
      const batch = (w: number) => ['p', 'q', 'r', 's'].flatMap((t) => [0, 1, 2].map((k) => routed(t, { requestId: `w${w}-${k}`, at: T0 + w })));
      const results = await Promise.all([0, 1, 2, 3].map((w) => q.enqueue(batch(w))));
      assert.deepEqual(results.map((r) => r.added), [12, 12, 12, 12]);
      // Equal on every ordering key but the id, which the racing inserts assigned: compared by text.
      assert.deepEqual((await q.list({ endpoint: 'hs' })).items.map((i) => [i.text, i.occurrences, i.lastSeen]).sort(),
        [['p', 12, T0 + 3], ['q', 12, T0 + 3], ['r', 12, T0 + 3], ['s', 12, T0 + 3]]);
    }));

    it('orders by volume, then uncertainty (lowest top score), then age; pages with a cursor that neither skips nor repeats', withQueue(async (q) => {
      const rows: RoutedText[] = [];
      const add = (text: string, n: number, score: number, at: number) => {
        for (let i = 0; i < n; i++) rows.push(routed(text, { requestId: `${text}-${i}`, suggestions: [{ label: 'l', score }], at }));
      };
      add('three-sure', 3, 0.8, T0);
      add('three-unsure', 3, 0.3, T0 + 5);
      add('one-unsure-new', 1, 0.2, T0 + 9);
      add('one-unsure-old', 1, 0.2, T0 + 1);
      add('one-sure', 1, 0.7, T0);
      add('two', 2, 0.9, T0);
      await q.enqueue(rows);
      const expected = ['three-unsure', 'three-sure', 'two', 'one-unsure-old', 'one-unsure-new', 'one-sure'];
      assert.deepEqual(texts((await q.list({ endpoint: 'hs' })).items), expected);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await q.list({ endpoint: 'hs', limit: 4, cursor });
        seen.push(...texts(page.items));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor !== undefined);
      assert.deepEqual(seen, expected);
      assert.equal(pages, 2);
      await assert.rejects(q.list({ endpoint: 'hs', cursor: 'not-a-cursor' }), (e: Error) => e.name === 'InputError' && /cursor/.test(e.message));
      await assert.rejects(q.list({ endpoint: 'hs', limit: 0 }), (e: Error) => e.name === 'InputError' && /limit/.test(e.message));
    }));

    it('an answer answers the whole group once: a second answer is a conflict, an unknown id not found; state filters the list', withQueue(async (q) => {
      await q.enqueue([routed('a', { requestId: '1' }), routed('a', { requestId: '2', position: 3 }), routed('b')]);
      const a = (await q.list({ endpoint: 'hs' })).items.find((i) => i.text === 'a')!;
      const claimed = await q.claimAnswer(a.id, { label: '8471.30', actor: 'ana', note: 'checked the invoice', suggestion: 0, at: T0 + 50 });
      assert.equal(claimed.item.state, 'answered');
      assert.deepEqual(claimed.item.answer, { label: '8471.30', actor: 'ana', note: 'checked the invoice', suggestion: 0, at: T0 + 50 });
      assert.deepEqual(claimed.occurrences.map((o) => [o.requestId, o.position]), [['1', 0], ['2', 3]]);
      await assert.rejects(q.claimAnswer(a.id, answer('other')), (e: Error) => e.name === 'ConflictError' && /already answered "8471.30" by ana/.test(e.message));
      await assert.rejects(q.claimAnswer(987654, answer('x')), (e: Error) => e.name === 'NotFoundError');
      assert.deepEqual(texts((await q.list({ endpoint: 'hs' })).items), ['b']);
      assert.deepEqual(texts((await q.list({ endpoint: 'hs', state: 'answered' })).items), ['a']);
      assert.equal((await q.list({ endpoint: 'hs', state: 'all' })).items.length, 2);
      // A later occurrence of an answered text counts on its item and does not reopen it.
      await q.enqueue([routed('a', { requestId: '3' })]);
      const after = (await q.get(a.id))!;
      assert.equal(after.state, 'answered');
      assert.equal(after.occurrences, 3);
    }));

    it('releaseAnswer reopens a claim whose feedback was not written; recordFeedback makes it final and survives reopening', withQueue(async (q, t) => {
      await q.enqueue([routed('a')]);
      const id = (await q.list({ endpoint: 'hs' })).items[0]!.id;
      await q.claimAnswer(id, answer('x', T0 + 1));
      await q.releaseAnswer(id, T0 + 1);
      assert.equal((await q.get(id))!.state, 'open');
      assert.equal((await q.get(id))!.answer, null);
      await q.claimAnswer(id, answer('y', T0 + 2));
      await q.recordFeedback(id, [7, 8]);
      await q.releaseAnswer(id, T0 + 2);
      const again = await t.reopen();
      try {
        const item = (await again.get(id))!;
        assert.equal(item.state, 'answered');
        assert.equal(item.answer?.label, 'y');
        assert.deepEqual(item.feedbackIds, [7, 8]);
      } finally {
        await again.close();
      }
    }));

    it('a bad row stores nothing and names the row and field', withQueue(async (q) => {
      await assert.rejects(q.enqueue([routed('ok'), routed('bad', { suggestions: [] })]),
        (e: Error) => e.name === 'InputError' && /rows\[1\]\.suggestions/.test(e.message));
      assert.equal((await q.list({ endpoint: 'hs', state: 'all' })).items.length, 0);
      assert.equal(await q.get(1), undefined);
    }));
  });
}
