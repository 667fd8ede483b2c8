import type Database from 'better-sqlite3';
import {
  checkServingCostRecords, SERVING_COST_COLUMNS, toServingCost,
  type ServingCostQuery, type ServingCostRecord, type ServingCostRow, type ServingCostStore,
} from '../serving-cost.js';

/** Serving processes' cumulative cost (store/serving-cost.ts): one upsert per process and variant. */
export class SqliteServingCostStore implements ServingCostStore {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    const p = <R>(sql: string) => db.prepare<unknown[], R>(sql);
    this.s = {
      // The WHERE keeps the later figure when two writes of one process cross.
      upsert: p(`INSERT INTO mon_serving_cost (${SERVING_COST_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (process_id, process_started_at, endpoint, variant, model, version)
        DO UPDATE SET texts = excluded.texts, cpu_seconds = excluded.cpu_seconds, at = excluded.at WHERE excluded.at >= mon_serving_cost.at`),
      list: p<ServingCostRow>(`SELECT ${SERVING_COST_COLUMNS} FROM mon_serving_cost
        WHERE endpoint = @endpoint AND at >= @since AND process_started_at < @until
        ORDER BY process_started_at, process_id, variant, model, version`),
    };
  }

  async recordServingCost(records: readonly ServingCostRecord[]): Promise<void> {
    checkServingCostRecords(records);
    this.db.transaction(() => {
      for (const r of records) this.s.upsert.run(r.processId, r.processStartedAt, r.endpoint, r.variant, r.model, r.version, r.texts, r.cpuSeconds, r.at);
    })();
  }

  async listServingCost(query: ServingCostQuery): Promise<ServingCostRecord[]> {
    return this.s.list.all({ endpoint: query.endpoint, since: query.since ?? Number.MIN_SAFE_INTEGER, until: query.until ?? Number.MAX_SAFE_INTEGER })
      .map(toServingCost);
  }
}
