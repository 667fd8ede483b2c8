import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { sha256Hex } from '../../../src/core/hash.js';
import { InputError, NotFoundError } from '../../../src/core/errors.js';
import type { ArtifactStore } from '../../../src/registry/artifacts/artifact-store.js';

/** The ArtifactStore contract; each adapter runs it on a real back-end with a fresh, empty store. */
export function artifactStoreContract(adapter: string, open: (t: TestContext) => Promise<ArtifactStore>): void {
  describe(`ArtifactStore contract: ${adapter}`, () => {
    it('put returns the sha256 and size; get returns the same bytes', async (t) => {
      const store = await open(t);
      const bytes = Buffer.from('hello artifact');
      const stored = await store.put(bytes);
      assert.deepEqual(stored, { sha256: sha256Hex(bytes), size: bytes.length });
      assert.deepEqual(Buffer.from(await store.get(stored.sha256)), bytes);
      assert.equal(await store.has(stored.sha256), true);
    });

    it('put is idempotent; list shows each artifact once, sorted', async (t) => {
      const store = await open(t);
      const a = await store.put(Buffer.from('a'));
      await store.put(Buffer.from('a'));
      const b = await store.put(Buffer.from('b'));
      const empty = await store.put(new Uint8Array(0));
      assert.deepEqual(await store.list(), [a.sha256, b.sha256, empty.sha256].sort());
      assert.equal((await store.get(empty.sha256)).length, 0);
    });

    it('a missing artifact is NotFound; a malformed address is an InputError', async (t) => {
      const store = await open(t);
      await assert.rejects(store.get('0'.repeat(64)), NotFoundError);
      assert.equal(await store.has('0'.repeat(64)), false);
      await assert.rejects(store.get('../../etc/passwd'), InputError);
      await assert.rejects(store.get('A'.repeat(64)), InputError);
    });
  });
}
