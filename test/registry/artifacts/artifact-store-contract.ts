import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { sha256Hex } from '../../../src/core/hash.js';
import { ArtifactError, InputError, NotFoundError } from '../../../src/core/errors.js';
import type { ArtifactStore } from '../../../src/registry/artifacts/artifact-store.js';

/** A fresh, empty store on a real back-end, and a way to damage what it stored (behind its back). */
export interface ArtifactStoreUnderTest {
  readonly store: ArtifactStore;
  /** Replaces the stored bytes of `sha256` with `bytes`, as a disk fault or a hand edit would. */
  corrupt(sha256: string, bytes: Uint8Array): Promise<void>;
}

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** The ArtifactStore contract; every adapter (local folder, PostgreSQL, memory) runs it. */
export function artifactStoreContract(adapter: string, open: (t: TestContext) => Promise<ArtifactStoreUnderTest>): void {
  describe(`ArtifactStore contract: ${adapter}`, () => {
    it('put returns the sha256 and size; get returns the same bytes', async (t) => {
      const { store } = await open(t);
      const bytes = Buffer.from('hello artifact');
      const stored = await store.put(bytes);
      assert.deepEqual(stored, { sha256: sha256Hex(bytes), size: bytes.length });
      assert.deepEqual(Buffer.from(await store.get(stored.sha256)), bytes);
      assert.equal(await store.has(stored.sha256), true);
      assert.ok(store.locate(stored.sha256).includes(stored.sha256), 'locate names the artifact');
    });

    it('put is idempotent; list shows each artifact once, sorted', async (t) => {
      const { store } = await open(t);
      const a = await store.put(Buffer.from('a'));
      await store.put(Buffer.from('a'));
      const b = await store.put(Buffer.from('b'));
      const empty = await store.put(new Uint8Array(0));
      assert.deepEqual(await store.list(), [a.sha256, b.sha256, empty.sha256].sort());
      assert.equal((await store.get(empty.sha256)).length, 0);
    });

    it('a missing artifact is NotFound; a malformed address is an InputError on every method', async (t) => {
      const { store } = await open(t);
      const absent = '0'.repeat(64);
      await assert.rejects(store.get(absent), NotFoundError);
      assert.equal(await store.has(absent), false);
      assert.equal(await store.info(absent), null);
      assert.equal(await store.delete(absent), false, 'deleting an absent artifact is not an error');
      for (const bad of ['../../etc/passwd', 'A'.repeat(64), '']) {
        await assert.rejects(store.get(bad), InputError);
        await assert.rejects(store.has(bad), InputError);
        await assert.rejects(store.info(bad), InputError);
        await assert.rejects(store.delete(bad), InputError);
      }
    });

    it('info gives the size and an ISO 8601 UTC storage time, unchanged by putting the same bytes again', async (t) => {
      const { store } = await open(t);
      const before = Date.now();
      const { sha256 } = await store.put(Buffer.from('twelve bytes'));
      const info = await store.info(sha256);
      assert.ok(info !== null);
      assert.equal(info.bytes, 12);
      assert.match(info.storedAt, ISO_UTC);
      // Filesystem times may be coarser than the clock; allow a second either way.
      assert.ok(Math.abs(Date.parse(info.storedAt) - before) < 60_000, `storedAt ${info.storedAt} is about now`);
      await new Promise((r) => setTimeout(r, 20));
      await store.put(Buffer.from('twelve bytes'));
      assert.deepEqual(await store.info(sha256), info);
    });

    it('delete removes one artifact and leaves the others', async (t) => {
      const { store } = await open(t);
      const a = await store.put(Buffer.from('keep me'));
      const b = await store.put(Buffer.from('drop me'));
      assert.equal(await store.delete(b.sha256), true);
      assert.equal(await store.delete(b.sha256), false);
      assert.equal(await store.has(b.sha256), false);
      assert.equal(await store.info(b.sha256), null);
      await assert.rejects(store.get(b.sha256), NotFoundError);
      assert.deepEqual(await store.list(), [a.sha256]);
      assert.equal(Buffer.from(await store.get(a.sha256)).toString(), 'keep me');
      await store.put(Buffer.from('drop me'));
      assert.equal(Buffer.from(await store.get(b.sha256)).toString(), 'drop me', 'stored again after delete');
    });

    it('detects corruption on read, naming the location and both hashes; putting the bytes again repairs it', async (t) => {
      const { store, corrupt } = await open(t);
      const bytes = Buffer.from('precious model');
      const { sha256 } = await store.put(bytes);
      await corrupt(sha256, Buffer.from('precious modeL'));
      await assert.rejects(store.get(sha256), (e: unknown) => {
        assert.ok(e instanceof ArtifactError, String(e));
        assert.equal(e.code, 'artifact-corrupt');
        assert.equal(e.facts['path'], store.locate(sha256));
        assert.equal(e.facts['expectedSha256'], sha256);
        assert.equal(e.facts['actualSha256'], sha256Hex(Buffer.from('precious modeL')));
        return true;
      });
      await store.put(bytes);
      assert.deepEqual(Buffer.from(await store.get(sha256)), bytes);
    });

    it('bytes handed to put or returned by get are not the stored copy', async (t) => {
      const { store } = await open(t);
      const bytes = new Uint8Array([1, 2, 3]);
      const { sha256 } = await store.put(bytes);
      bytes[0] = 9;
      const got = await store.get(sha256);
      got[1] = 9;
      assert.deepEqual([...(await store.get(sha256))], [1, 2, 3]);
    });
  });
}
