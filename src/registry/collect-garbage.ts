import type { Workspace } from './workspace.js';

export interface GarbageItem {
  readonly sha256: string;
  readonly location: string;
  readonly bytes: number | null;
  readonly storedAt: string | null;
  /** deleted; kept-young (newer than minAge: maybe a registration still in flight); kept-dry-run. */
  readonly outcome: 'deleted' | 'kept-young' | 'kept-dry-run';
}

export interface GarbageReport {
  readonly dryRun: boolean;
  readonly minAgeMs: number;
  readonly storedArtifacts: number;
  readonly unreferenced: readonly GarbageItem[];
  readonly deletedBytes: number;
}

export interface CollectGarbageOptions {
  readonly dryRun: boolean;
  /**
   * Spare artifacts younger than this: a registration writes its artifact before its row, so a
   * very young unreferenced artifact may be one about to be referenced. Default one hour.
   */
  readonly minAgeMs?: number;
  readonly now?: number;
}

/**
 * Finds artifacts nothing refers to (no dataset, no live model version) and deletes those older
 * than minAgeMs, unless dryRun. The reference check is repeated just before deleting.
 */
export async function collectGarbage(ws: Workspace, options: CollectGarbageOptions): Promise<GarbageReport> {
  const minAgeMs = options.minAgeMs ?? 3_600_000;
  const now = options.now ?? Date.now();
  const storedArtifacts = (await ws.artifacts.list()).length;
  const candidates = await ws.listUnreferencedArtifacts();
  const stillUnreferenced = options.dryRun ? new Set(candidates) : new Set(await ws.listUnreferencedArtifacts());
  const items: GarbageItem[] = [];
  let deletedBytes = 0;
  for (const sha256 of candidates) {
    if (!stillUnreferenced.has(sha256)) continue;
    const info = await ws.artifacts.info(sha256);
    // Gone meanwhile (another gc) counts as young: nothing to delete, nothing to report as deleted.
    const young = info === null || now - Date.parse(info.storedAt) < minAgeMs;
    let outcome: GarbageItem['outcome'] = options.dryRun ? 'kept-dry-run' : young ? 'kept-young' : 'deleted';
    if (options.dryRun && young) outcome = 'kept-young';
    if (outcome === 'deleted') {
      if (await ws.artifacts.delete(sha256)) deletedBytes += info?.bytes ?? 0;
    }
    items.push({
      sha256, location: ws.artifacts.locate(sha256), bytes: info?.bytes ?? null,
      storedAt: info?.storedAt ?? null, outcome,
    });
  }
  return { dryRun: options.dryRun, minAgeMs, storedArtifacts, unreferenced: items, deletedBytes };
}
