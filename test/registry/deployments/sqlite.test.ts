import { sqliteBackend } from '../models/backends.js';
import { deploymentStoreContract } from './contract.js';

deploymentStoreContract('SQLite (temp folder)', sqliteBackend);
