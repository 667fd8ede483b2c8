import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { collectGarbage } from '../../src/registry/collect-garbage.js';
import { openFromSpec, pgBackend, sqliteBackend, type TestBackend } from './models/backends.js';
import { syntheticArtifact } from './models/fixtures.js';

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** Field names that hold a time, wherever they appear in what the registry returns. */
const TIME_FIELD = /(At|^at|^from|^until)$/;

/** Every time-named string field in `value` (recursively), with its path. */
function times(value: unknown, path = '$', out: Array<[string, unknown]> = []): Array<[string, unknown]> {
  if (Array.isArray(value)) value.forEach((v, i) => times(v, `${path}[${i}]`, out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (TIME_FIELD.test(k) && v !== null && typeof v !== 'object') out.push([`${path}.${k}`, v]);
      else times(v, `${path}.${k}`, out);
    }
  }
  return out;
}

function timestampContract(label: string, makeBackend: () => TestBackend): void {
  describe(`registry times: ${label}`, () => {
    it('every time the registry returns is ISO 8601 UTC with milliseconds (2026-12-04T16:10:00.000Z)', async () => {
      const backend = makeBackend();
      const ws = await openFromSpec(backend.spec);
      try {
        const returned: unknown[] = [];
        const keep = <T>(v: T): T => { returned.push(v); return v; };
        const saved = keep(await ws.saveDataset({ textColumn: 't', labelColumns: ['l'], texts: ['a', 'b'], labels: { l: ['x', 'y'] } }, { file: 'a.csv', format: 'csv' }));
        keep(await ws.getDataset(saved.version.id));
        keep(await ws.listDatasets());
        for (const seed of [1, 2, 3]) keep(await ws.registerModelVersion({ name: 'm', artifactBytes: syntheticArtifact(seed), actor: 'ana' }));
        keep(await ws.approveVersion({ name: 'm', version: 1, actor: 'bo', reason: 'ok' }));
        keep(await ws.approveVersion({ name: 'm', version: 2, actor: 'bo' }));
        keep(await ws.rejectVersion({ name: 'm', version: 3, actor: 'bo', reason: 'worse' }));
        keep(await ws.setAlias({ name: 'm', alias: 'champion', version: 1, actor: 'bo' }));
        keep(await ws.setAlias({ name: 'm', alias: 'champion', version: 2, actor: 'bo' }));
        keep(await ws.rollbackAlias({ name: 'm', alias: 'champion', actor: 'bo' }));
        keep(await ws.deleteModelVersion({ name: 'm', version: 3, actor: 'bo', reason: 'cleanup' }));
        keep(await ws.deployments.append('hs', { endpoint: 'hs', mode: 'single', variants: [{ name: 'main', model: 'm', weight: 1, role: 'primary' }] }, 'deploy', 'ann', null));
        keep(await ws.deployments.history('hs'));
        keep(await ws.deployments.currentAll());
        keep(await ws.listModels());
        keep(await ws.listModelVersions('m'));
        keep(await ws.listAliases('m'));
        keep(await ws.auditLog());
        keep(await ws.lineage('m', 1));
        keep(await ws.lineage('m', 2));
        const orphan = await ws.artifacts.put(Buffer.from('orphan'));
        keep(await ws.artifacts.info(orphan.sha256));
        keep(await collectGarbage(ws, { dryRun: true }));
        const found = times(returned);
        // Enough kinds of time were looked at for the check to mean something.
        for (const field of ['createdAt', 'registeredAt', 'approval.at', 'deletedAt', 'movedAt', 'at', 'from', 'until', 'storedAt']) {
          assert.ok(found.some(([p, v]) => p.endsWith(`.${field}`) && v !== null), `a non-null ${field} was checked`);
        }
        const wrong = found.filter(([, v]) => v !== null && !(typeof v === 'string' && ISO_UTC.test(v)));
        assert.deepEqual(wrong, [], 'times not in ISO 8601 UTC');
      } finally {
        ws.close();
        await backend.cleanup();
      }
    });
  });
}

timestampContract('SQLite', sqliteBackend);
const url = process.env['LADING_TEST_PG_URL'];
if (url === undefined || url === '') test('registry times: PostgreSQL', { skip: 'LADING_TEST_PG_URL is not set' }, () => undefined);
else timestampContract('PostgreSQL', () => pgBackend(url));
