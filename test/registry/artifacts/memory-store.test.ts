import { MemoryArtifactStore, type MemoryArtifact } from '../../../src/registry/artifacts/memory/artifact-store.js';
import { artifactStoreContract } from './artifact-store-contract.js';

artifactStoreContract('memory', async () => {
  const map = new Map<string, MemoryArtifact>();
  return {
    store: new MemoryArtifactStore(map),
    corrupt: async (sha256, bytes) => { map.get(sha256)!.bytes = bytes.slice(); },
  };
});
