import { MemoryDeploymentStore } from '../../../src/registry/memory/deployment-store.js';
import { deploymentStoreContract } from './contract.js';

deploymentStoreContract('memory', async () => ({ store: new MemoryDeploymentStore(), close: async () => undefined }), { database: false });
