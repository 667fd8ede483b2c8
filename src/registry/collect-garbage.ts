import { rm, stat } from 'node:fs/promises';
import { InputError } from '../core/errors.js';
import type { ArtifactStore } from './artifacts/artifact-store.js';
import { LocalFolderArtifactStore } from './artifacts/local-folder/artifact-store.js';
import { PostgresArtifactStore } from './artifacts/postgres/artifact-store.js';
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

interface Sweeper {
  info(sha256: string): Promise<{ bytes: number; storedAt: number } | null>;
  remove(sha256: string): Promise<void>;
}

/** How to age and delete artifacts in each store (the ArtifactStore contract has neither yet). */
function sweeperFor(store: ArtifactStore): Sweeper {
  if (store instanceof PostgresArtifactStore) {
    let infos: Map<string, { bytes: number; storedAt: number }> | undefined;
    return {
      info: async (sha) => {
        infos ??= new Map((await store.listWithInfo()).map((i) => [i.sha256, { bytes: i.bytes, storedAt: Date.parse(i.createdAt) }]));
        return infos.get(sha) ?? null;
      },
      remove: async (sha) => { await store.delete(sha); },
    };
  }
  if (store instanceof LocalFolderArtifactStore) {
    return {
      info: async (sha) => {
        try {
          const s = await stat(store.locate(sha));
          return { bytes: s.size, storedAt: s.mtimeMs };
        } catch {
          return null;
        }
      },
      remove: async (sha) => { await rm(store.locate(sha), { force: true }); },
    };
  }
  throw new InputError('gc-unsupported-store', 'this artifact store cannot be garbage-collected (it offers no way to age or delete artifacts)', {});
}

/**
 * Finds artifacts nothing refers to (no dataset, no live model version) and deletes those older
 * than minAgeMs, unless dryRun. The reference check is repeated just before deleting.
 */
export async function collectGarbage(ws: Workspace, options: CollectGarbageOptions): Promise<GarbageReport> {
  const minAgeMs = options.minAgeMs ?? 3_600_000;
  const now = options.now ?? Date.now();
  const sweeper = sweeperFor(ws.artifacts);
  const storedArtifacts = (await ws.artifacts.list()).length;
  const candidates = await ws.listUnreferencedArtifacts();
  const stillUnreferenced = options.dryRun ? new Set(candidates) : new Set(await ws.listUnreferencedArtifacts());
  const items: GarbageItem[] = [];
  let deletedBytes = 0;
  for (const sha256 of candidates) {
    if (!stillUnreferenced.has(sha256)) continue;
    const info = await sweeper.info(sha256);
    const young = info === null || now - info.storedAt < minAgeMs;
    let outcome: GarbageItem['outcome'] = options.dryRun ? 'kept-dry-run' : young ? 'kept-young' : 'deleted';
    if (options.dryRun && young) outcome = 'kept-young';
    if (outcome === 'deleted') {
      await sweeper.remove(sha256);
      deletedBytes += info?.bytes ?? 0;
    }
    items.push({
      sha256, location: ws.artifacts.locate(sha256), bytes: info?.bytes ?? null,
      storedAt: info === null ? null : new Date(info.storedAt).toISOString(), outcome,
    });
  }
  return { dryRun: options.dryRun, minAgeMs, storedArtifacts, unreferenced: items, deletedBytes };
}
