import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { ArtifactError } from '../../../src/core/errors.js';
import { LocalFolderArtifactStore } from '../../../src/registry/artifacts/local-folder/artifact-store.js';
import { artifactStoreContract } from './artifact-store-contract.js';

function tempRoot(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'lading-art-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'artifacts');
}

artifactStoreContract('local folder', async (t) => {
  const store = new LocalFolderArtifactStore(tempRoot(t));
  return { store, corrupt: async (sha256, bytes) => writeFileSync(store.locate(sha256), bytes) };
});

describe('local folder store', () => {
  it('lays files out as sha256/ab/abcdef... and leaves no temp files', async (t) => {
    const root = tempRoot(t);
    const store = new LocalFolderArtifactStore(root);
    const { sha256 } = await store.put(Buffer.from('x'));
    const path = join(root, 'sha256', sha256.slice(0, 2), sha256);
    assert.equal(store.locate(sha256), path);
    assert.ok(existsSync(path));
    assert.deepEqual(readdirSync(join(root, 'sha256', sha256.slice(0, 2))), [sha256]);
  });

  it('detects corruption on read, naming the path and both hashes; put repairs it', async (t) => {
    const store = new LocalFolderArtifactStore(tempRoot(t));
    const bytes = Buffer.from('precious model');
    const { sha256 } = await store.put(bytes);
    writeFileSync(store.locate(sha256), 'precious modeL');
    await assert.rejects(store.get(sha256), (e: unknown) => {
      assert.ok(e instanceof ArtifactError);
      assert.equal(e.facts['path'], store.locate(sha256));
      assert.equal(e.facts['expectedSha256'], sha256);
      assert.notEqual(e.facts['actualSha256'], sha256);
      return true;
    });
    await store.put(bytes);
    assert.deepEqual(Buffer.from(await store.get(sha256)), bytes);
  });

  it('list ignores stray files (temp files, notes) in the folder', async (t) => {
    const root = tempRoot(t);
    const store = new LocalFolderArtifactStore(root);
    const { sha256 } = await store.put(Buffer.from('y'));
    writeFileSync(join(root, 'sha256', sha256.slice(0, 2), `.${sha256}.123.tmp`), 'partial');
    writeFileSync(join(root, 'sha256', 'README'), 'hi');
    assert.deepEqual(await store.list(), [sha256]);
  });
});
