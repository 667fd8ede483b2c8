import type { MonitoringStore, StoredFeedback } from '../monitoring/store/monitoring-store.js';

/**
 * Each endpoint's feedback as the dashboard's timeline reads it, kept between timelines: the first
 * read takes all of it (bench:ui's 20,000 labels: 0.3-0.5 s on a loaded 2-core machine), later ones only the items whose
 * id is above the highest read (feedback is append-only and ids grow), merged in the store's order
 * (time, then id), so a refresh costs the labels that came since, not all of them again.
 *
 * On PostgreSQL a transaction can commit an id below one already read (ids are taken at insert,
 * rows seen at commit), which an id watermark alone would skip for good: every FULL_EVERY_MS the
 * whole feedback is read again, and `generation` changes so what was derived from it is not reused.
 * Such a label is therefore counted at most that late (SQLite has one writer: ids commit in order).
 */
export class TimelineFeedback {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly store: Pick<MonitoringStore, 'listFeedback'>, private readonly now: () => number = Date.now,
    private readonly fullEveryMs = FULL_EVERY_MS) {}

  /** The endpoint's feedback as read so far, oldest first; undefined before its first read finished. */
  peek(endpoint: string): Labels | undefined {
    return this.entries.get(endpoint)?.labels;
  }

  /** The whole feedback is due to be read again (see above): what the next read() that may do it will do. */
  wholeDue(endpoint: string): boolean {
    const entry = this.entries.get(endpoint);
    return !entry?.labels || this.now() - entry.fullAt >= this.fullEveryMs;
  }

  /**
   * The endpoint's feedback now: what was kept plus what came since (one read at a time per
   * endpoint). `sinceOnly`: never the whole of it again, even when due (an answer that must be quick
   * leaves that to the computation behind it); the first read is whole all the same.
   */
  read(endpoint: string, sinceOnly = false): Promise<Labels> {
    const entry = this.entries.get(endpoint) ?? { labels: undefined, fullAt: 0, reading: undefined };
    this.entries.set(endpoint, entry);
    const reading = (entry.reading ?? Promise.resolve()).then(() => this.refresh(endpoint, entry, sinceOnly));
    // The chain keeps one read at a time; a failed read leaves what was kept and the next one tries again.
    entry.reading = reading.then(() => undefined, () => undefined);
    return reading;
  }

  private async refresh(endpoint: string, entry: Entry, sinceOnly: boolean): Promise<Labels> {
    const kept = entry.labels;
    if (!kept || (!sinceOnly && this.now() - entry.fullAt >= this.fullEveryMs)) {
      const started = this.now();
      const rows = await this.store.listFeedback({ endpoint });
      entry.labels = { rows, lastId: maxId(rows, 0), generation: (kept?.generation ?? 0) + 1 };
      entry.fullAt = started;
      return entry.labels;
    }
    const added = await this.store.listFeedback({ endpoint, afterId: kept.lastId });
    if (added.length === 0) return kept;
    entry.labels = { rows: mergeByTimeAndId(kept.rows, added), lastId: maxId(added, kept.lastId), generation: kept.generation };
    return entry.labels;
  }
}

/** One endpoint's feedback as kept: `rows` is never changed in place (a newer read makes a new array). */
export interface Labels {
  readonly rows: readonly StoredFeedback[];
  /** The highest id in rows (0: none). */
  readonly lastId: number;
  /** Changes when everything was read again: figures derived from older rows must be derived again. */
  readonly generation: number;
}

interface Entry { labels: Labels | undefined; fullAt: number; reading: Promise<void> | undefined }

/** How often the whole feedback is read again (see above); a refresh in between reads only new ids. */
const FULL_EVERY_MS = 5 * 60_000;

const maxId = (rows: readonly StoredFeedback[], from: number) => rows.reduce((m, f) => Math.max(m, f.id), from);

const before = (a: StoredFeedback, b: StoredFeedback) => a.time < b.time || (a.time === b.time && a.id < b.id);

/** Both lists are in (time, id) order; labels dated in the past land among the kept ones. */
export function mergeByTimeAndId(kept: readonly StoredFeedback[], added: readonly StoredFeedback[]): StoredFeedback[] {
  if (kept.length === 0 || before(kept.at(-1)!, added[0]!)) return [...kept, ...added];
  const out: StoredFeedback[] = [];
  let i = 0;
  let j = 0;
  while (i < kept.length && j < added.length) out.push(before(added[j]!, kept[i]!) ? added[j++]! : kept[i++]!);
  while (i < kept.length) out.push(kept[i++]!);
  while (j < added.length) out.push(added[j++]!);
  return out;
}
