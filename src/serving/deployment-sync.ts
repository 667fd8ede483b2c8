import type { DeploymentStore } from '../registry/deployment-store.js';
import type { ServingPlane } from './serving-plane.js';

export interface SyncReport {
  readonly applied: string[];
  readonly removed: string[];
  readonly failed: Array<{ endpoint: string; error: string }>;
}

/**
 * Keeps a running server's endpoints equal to the store: every poll (default each second) it asks
 * for the last seq and, only when it moved, applies the changed endpoints. A deployment that fails
 * to load leaves the endpoint serving what it served before, and is retried on the next change.
 */
export class DeploymentSync {
  private appliedSeq = new Map<string, number>();
  private lastSeen = -1;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SyncReport> | undefined;

  constructor(private readonly store: DeploymentStore, private readonly plane: ServingPlane, private readonly onReport?: (r: SyncReport) => void) {}

  /** One pass; concurrent calls share the pass in progress. */
  syncOnce(): Promise<SyncReport> {
    this.running ??= this.pass().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async pass(): Promise<SyncReport> {
    const report: SyncReport = { applied: [], removed: [], failed: [] };
    const seq = await this.store.lastSeq();
    if (seq === this.lastSeen) {
      await this.plane.refresh();
      return report;
    }
    for (const r of await this.store.currentAll()) {
      if (this.appliedSeq.get(r.endpoint) === r.seq) continue;
      try {
        if (r.spec === null) {
          await this.plane.undeploy(r.endpoint);
          report.removed.push(r.endpoint);
        } else {
          await this.plane.deploy(r.spec);
          report.applied.push(r.endpoint);
        }
        this.appliedSeq.set(r.endpoint, r.seq);
      } catch (e) {
        report.failed.push({ endpoint: r.endpoint, error: e instanceof Error ? e.message : String(e) });
      }
    }
    if (report.failed.length === 0) this.lastSeen = seq;
    this.onReport?.(report);
    return report;
  }

  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => { void this.syncOnce().catch(() => undefined); }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
