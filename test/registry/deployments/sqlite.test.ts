import { sqliteBackend } from '../models/backends.js';
import { deploymentStoreContract, workspaceStore } from './contract.js';

deploymentStoreContract('SQLite (temp folder)', workspaceStore(sqliteBackend));
