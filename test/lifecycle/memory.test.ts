import { MemoryDeploymentStore } from '../../src/registry/memory/deployment-store.js';
import { rollbackWalkContract } from './rollback-walk-contract.js';

rollbackWalkContract('memory', async () => ({ store: new MemoryDeploymentStore(), close: async () => undefined }));
