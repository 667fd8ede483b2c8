import type pg from 'pg';
import { checkAlertEvent, checkProfile } from '../check-records.js';
import type { AlertEventRecord, AlertStore, ProfileStore } from '../monitoring-store.js';
import { toAlertEvent, type AlertRow } from '../row-mapping.js';

/** Reference profiles (one per model artifact, replaced on save) and the alert history (append-only). */
export class PgProfileAlertStore implements ProfileStore, AlertStore {
  constructor(private readonly pool: pg.Pool) {}

  async saveProfile(modelSha256: string, profileJson: string, about: { readonly model: string; readonly version: string }): Promise<void> {
    checkProfile(modelSha256, profileJson);
    await this.pool.query(`INSERT INTO mon_profiles (model_sha256, model, version, profile, saved_at) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (model_sha256) DO UPDATE SET model = excluded.model, version = excluded.version, profile = excluded.profile, saved_at = excluded.saved_at`,
    [modelSha256, about.model, about.version, profileJson, Date.now()]);
  }

  async getProfile(modelSha256: string): Promise<string | undefined> {
    return (await this.pool.query<{ profile: string }>('SELECT profile FROM mon_profiles WHERE model_sha256 = $1', [modelSha256])).rows[0]?.profile;
  }

  async recordAlertEvent(e: AlertEventRecord): Promise<void> {
    checkAlertEvent(e);
    await this.pool.query('INSERT INTO mon_alert_events (id, state, rule, endpoint, variant, at, value, threshold, message) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [e.id, e.state, e.rule, e.endpoint, e.variant, e.at, e.value, e.threshold, e.message]);
  }

  async listAlertEvents(query: { readonly endpoint?: string | undefined; readonly since?: number | undefined; readonly limit?: number | undefined }): Promise<AlertEventRecord[]> {
    // LIMIT NULL is no limit in PostgreSQL.
    const limit = query.limit === undefined || query.limit < 0 ? null : query.limit;
    return (await this.pool.query<AlertRow>(`SELECT id, state, rule, endpoint, variant, at, value, threshold, message FROM mon_alert_events
      WHERE ($1::text IS NULL OR endpoint = $1) AND at >= $2 ORDER BY at DESC, seq DESC LIMIT $3`,
    [query.endpoint ?? null, query.since ?? Number.MIN_SAFE_INTEGER, limit])).rows.map(toAlertEvent);
  }
}
