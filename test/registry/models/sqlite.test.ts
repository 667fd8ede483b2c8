import { sqliteBackend } from './backends.js';
import { modelRegistryContract } from './contract.js';

modelRegistryContract('SQLite (temp folder)', sqliteBackend);
