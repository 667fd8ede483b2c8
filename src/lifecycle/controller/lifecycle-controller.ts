import type { ControllerLease } from '../release/controller-lease.js';
import type { ReleaseDecision } from '../release/release-decision.js';
import type { ReleaseRecord, ReleaseStore } from '../release/release-record.js';
import type { ReleaseRunner } from '../release/release-runner.js';

/** What one tick did, for the CLI's status lines and `--json`. */
export interface ControllerTick {
  readonly at: number;
  /** False when another controller holds the lease: this one only waited. */
  readonly leader: boolean;
  readonly releases: ReadonlyArray<{ readonly release: ReleaseRecord; readonly decision: ReleaseDecision | null }>;
  readonly errors: ReadonlyArray<{ readonly release: number | null; readonly message: string }>;
}

/** Work the controller does each tick besides releases (pipeline triggers slot in here). */
export type ControllerChore = (now: number) => Promise<void>;

export interface LifecycleControllerOptions {
  readonly lease: ControllerLease;
  readonly releases: ReleaseStore;
  readonly runner: ReleaseRunner;
  readonly now: () => number;
  readonly intervalMs: number;
  readonly chores?: readonly ControllerChore[];
  readonly onTick?: (tick: ControllerTick) => void;
}

/**
 * The lifecycle controller's loop: every tick it takes (or renews) the lease, and only while it
 * holds it does it act: run the chores (pipeline triggers), then move every open release one step.
 * It keeps nothing in memory between ticks that the stores do not have, so a controller killed at
 * any point and started again (or a standby that took the lease over) carries on from the stores.
 * One release's failure is reported and does not stop the others.
 */
export class LifecycleController {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ControllerTick> | undefined;
  private stopped = false;

  constructor(private readonly o: LifecycleControllerOptions) {}

  /** One tick (concurrent calls share the one in flight). */
  tick(): Promise<ControllerTick> {
    return (this.running ??= this.tickOnce().finally(() => { this.running = undefined; }));
  }

  /** Ticks every intervalMs until stop(); the first tick at once, or after one interval. */
  start(options: { readonly immediately?: boolean } = {}): void {
    const loop = async () => {
      if (this.stopped) return;
      await this.tick().catch(() => undefined);
      if (!this.stopped) this.timer = setTimeout(loop, this.o.intervalMs);
    };
    if (options.immediately ?? true) void loop();
    else this.timer = setTimeout(loop, this.o.intervalMs);
  }

  /** Lets the running tick finish, then gives the lease up so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await this.o.lease.release();
  }

  private async tickOnce(): Promise<ControllerTick> {
    const at = this.o.now();
    if (!(await this.o.lease.acquire(at))) {
      const tick = { at, leader: false, releases: [], errors: [] };
      this.o.onTick?.(tick);
      return tick;
    }
    const errors: Array<{ release: number | null; message: string }> = [];
    for (const chore of this.o.chores ?? []) {
      try {
        await chore(at);
      } catch (e) {
        errors.push({ release: null, message: messageOf(e) });
      }
    }
    const releases: Array<{ release: ReleaseRecord; decision: ReleaseDecision | null }> = [];
    for (const r of await this.o.releases.listActive()) {
      if (this.stopped) break;
      try {
        releases.push(await this.o.runner.tick(r));
      } catch (e) {
        errors.push({ release: r.id, message: messageOf(e) });
      }
    }
    const tick = { at, leader: true, releases, errors };
    this.o.onTick?.(tick);
    return tick;
  }
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
