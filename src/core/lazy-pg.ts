import { createRequire } from 'node:module';
import type pg from 'pg';

const require = createRequire(import.meta.url);
let loaded: typeof pg | undefined;

/**
 * The `pg` module, loaded on first use. Every PostgreSQL adapter is on the serving process's
 * import path (the adapter is picked from settings at run time), and importing pg up front cost a
 * serve on SQLite about 80 ms of its cold start (spawn to first answer, bench:serve) for a module it
 * never uses. pg is CommonJS, so a synchronous require keeps the adapters' functions synchronous.
 */
export function loadPg(): typeof pg {
  loaded ??= require('pg') as typeof pg;
  return loaded;
}
