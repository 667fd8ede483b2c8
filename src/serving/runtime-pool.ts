import { ModelRuntime, type RuntimeOptions } from './model-runtime.js';
import type { ModelSource, ResolvedModel } from './model-source.js';

interface Entry {
  readonly key: string;
  readonly runtime: Promise<ModelRuntime>;
  refs: number;
}

/**
 * Loaded runtimes shared by reference count: two variants (or two endpoints) naming the same
 * artifact and version share one set of threads. The last release drains and closes it.
 */
export class RuntimePool {
  private readonly entries = new Map<string, Entry>();
  private readonly byRuntime = new Map<ModelRuntime, Entry>();

  constructor(readonly source: ModelSource, private readonly options: RuntimeOptions) {}

  /** Resolves the ref and returns a warm runtime for it (loading one if needed); pair with release(). */
  async acquire(ref: string): Promise<ModelRuntime> {
    return this.acquireResolved(await this.source.resolve(ref));
  }

  async acquireResolved(m: ResolvedModel): Promise<ModelRuntime> {
    const key = `${m.sha256}|${m.name}|${m.version ?? ''}`;
    let entry = this.entries.get(key);
    if (!entry) {
      const runtime = ModelRuntime.open(m.path, m.name, m.version, this.options);
      entry = { key, runtime, refs: 0 };
      this.entries.set(key, entry);
      const e = entry;
      runtime.then((r) => this.byRuntime.set(r, e), () => { if (this.entries.get(key) === e) this.entries.delete(key); });
    }
    entry.refs++;
    try {
      return await entry.runtime;
    } catch (e) {
      entry.refs--;
      throw e;
    }
  }

  /** Drops one reference; the last one closes the runtime after its requests in flight finish. */
  async release(runtime: ModelRuntime): Promise<void> {
    const entry = this.byRuntime.get(runtime);
    if (!entry) return;
    entry.refs--;
    if (entry.refs > 0) return;
    this.entries.delete(entry.key);
    this.byRuntime.delete(runtime);
    await runtime.close();
  }

  get loaded(): ModelRuntime[] { return [...this.byRuntime.keys()]; }

  async closeAll(): Promise<void> {
    const all = [...this.byRuntime.keys()];
    this.entries.clear();
    this.byRuntime.clear();
    await Promise.all(all.map((r) => r.close()));
  }
}
