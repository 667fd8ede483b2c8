import type pg from 'pg';
import {
  checkServingCostRecords, SERVING_COST_COLUMNS, toServingCost,
  type ServingCostQuery, type ServingCostRecord, type ServingCostRow, type ServingCostStore,
} from '../serving-cost.js';
import { inMonitoringTransaction } from './connection.js';

/** Serving processes' cumulative cost (store/serving-cost.ts): one upsert per process and variant. */
export class PgServingCostStore implements ServingCostStore {
  constructor(private readonly pool: pg.Pool) {}

  async recordServingCost(records: readonly ServingCostRecord[]): Promise<void> {
    checkServingCostRecords(records);
    if (records.length === 0) return;
    await inMonitoringTransaction(this.pool, async (client) => {
      for (const r of records) {
        // The WHERE keeps the later figure when two writes of one process cross.
        await client.query(`INSERT INTO mon_serving_cost (${SERVING_COST_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
          ON CONFLICT (process_id, process_started_at, endpoint, variant, model, version)
          DO UPDATE SET texts = excluded.texts, cpu_seconds = excluded.cpu_seconds, at = excluded.at WHERE excluded.at >= mon_serving_cost.at`,
        [r.processId, r.processStartedAt, r.endpoint, r.variant, r.model, r.version, r.texts, r.cpuSeconds, r.at]);
      }
    });
  }

  async listServingCost(query: ServingCostQuery): Promise<ServingCostRecord[]> {
    return (await this.pool.query<ServingCostRow>(`SELECT ${SERVING_COST_COLUMNS} FROM mon_serving_cost
      WHERE endpoint = $1 AND at >= $2 AND process_started_at < $3
      ORDER BY process_started_at, process_id, variant, model, version`,
    [query.endpoint, query.since ?? Number.MIN_SAFE_INTEGER, query.until ?? Number.MAX_SAFE_INTEGER])).rows.map(toServingCost);
  }
}
