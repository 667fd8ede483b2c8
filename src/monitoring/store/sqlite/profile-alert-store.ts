import type Database from 'better-sqlite3';
import { checkAlertEvent, checkProfile } from '../check-records.js';
import type { AlertEventRecord, AlertStore, ProfileStore } from '../monitoring-store.js';
import { toAlertEvent, type AlertRow } from '../row-mapping.js';

/** Reference profiles (one per model artifact, replaced on save) and the alert history (append-only). */
export class SqliteProfileAlertStore implements ProfileStore, AlertStore {
  private readonly s;

  constructor(db: Database.Database) {
    const p = <R>(sql: string) => db.prepare<unknown[], R>(sql);
    this.s = {
      saveProfile: p(`INSERT INTO mon_profiles (model_sha256, model, version, profile, saved_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (model_sha256) DO UPDATE SET model = excluded.model, version = excluded.version, profile = excluded.profile, saved_at = excluded.saved_at`),
      getProfile: p<{ profile: string }>('SELECT profile FROM mon_profiles WHERE model_sha256 = ?'),
      recordAlert: p('INSERT INTO mon_alert_events (id, state, rule, endpoint, variant, at, value, threshold, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      alerts: p<AlertRow>(`SELECT id, state, rule, endpoint, variant, at, value, threshold, message FROM mon_alert_events
        WHERE (@endpoint IS NULL OR endpoint = @endpoint) AND at >= @since ORDER BY at DESC, seq DESC LIMIT @limit`),
    };
  }

  async saveProfile(modelSha256: string, profileJson: string, about: { readonly model: string; readonly version: string }): Promise<void> {
    checkProfile(modelSha256, profileJson);
    this.s.saveProfile.run(modelSha256, about.model, about.version, profileJson, Date.now());
  }

  async getProfile(modelSha256: string): Promise<string | undefined> {
    return this.s.getProfile.get(modelSha256)?.profile;
  }

  async recordAlertEvent(e: AlertEventRecord): Promise<void> {
    checkAlertEvent(e);
    this.s.recordAlert.run(e.id, e.state, e.rule, e.endpoint, e.variant, e.at, e.value, e.threshold, e.message);
  }

  async listAlertEvents(query: { readonly endpoint?: string | undefined; readonly since?: number | undefined; readonly limit?: number | undefined }): Promise<AlertEventRecord[]> {
    return this.s.alerts.all({ endpoint: query.endpoint ?? null, since: query.since ?? Number.MIN_SAFE_INTEGER, limit: query.limit ?? -1 }).map(toAlertEvent);
  }
}
