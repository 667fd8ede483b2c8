import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { NotFoundError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import type { ModelRegistry } from '../registry/model-registry.js';

/** A model reference resolved to a file a serving thread can load. */
export interface ResolvedModel {
  /** What was asked for, e.g. `hs4@champion` or `/models/hs4.lading`. */
  readonly ref: string;
  readonly name: string;
  /** Registry version as text; undefined for a plain file. */
  readonly version: string | undefined;
  readonly path: string;
  readonly sha256: string;
}

/** Turns a model reference (a path or a registry ref) into a loadable file. */
export interface ModelSource {
  resolve(ref: string): Promise<ResolvedModel>;
}

/** Anything that looks like a path (a slash, or an existing file) is a file reference. */
export function looksLikePath(ref: string): boolean {
  return ref.includes('/') || ref.includes('\\') || ref.endsWith('.lading') || existsSync(ref);
}

/** Artifact files on disk; the name is the file's base name without its extension. */
export class FileModelSource implements ModelSource {
  private readonly shaCache = new Map<string, { mtimeMs: number; size: number; sha256: string }>();

  async resolve(ref: string): Promise<ResolvedModel> {
    const path = resolve(ref);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new NotFoundError('model-file-not-found', `no model artifact at ${path}`, { path }, 'Pass the path of a file written by `lading train --out`.');
    }
    const st = statSync(path);
    let cached = this.shaCache.get(path);
    if (!cached || cached.mtimeMs !== st.mtimeMs || cached.size !== st.size) {
      cached = { mtimeMs: st.mtimeMs, size: st.size, sha256: sha256Hex(readFileSync(path)) };
      this.shaCache.set(path, cached);
    }
    return { ref, name: basename(path, extname(path)), version: undefined, path, sha256: cached.sha256 };
  }
}

/**
 * Registered models: the registry resolves `name@alias` / `name@3` to a version, whose verified
 * bytes are written once into `cacheDir` (by sha256, atomically) for the threads to load.
 */
export class RegistryModelSource implements ModelSource {
  constructor(private readonly registry: ModelRegistry, private readonly cacheDir: string) {}

  async resolve(ref: string): Promise<ResolvedModel> {
    const record = await this.registry.resolveModel(ref);
    const path = join(this.cacheDir, `${record.artifactSha256}.lading`);
    if (!existsSync(path)) {
      mkdirSync(this.cacheDir, { recursive: true });
      writeFileAtomic(path, await this.registry.readModelArtifact(record));
    }
    return { ref, name: record.model, version: String(record.version), path, sha256: record.artifactSha256 };
  }
}

/** Paths go to the file source, everything else to the registry (when there is one). */
export class CombinedModelSource implements ModelSource {
  private readonly files = new FileModelSource();
  constructor(private readonly registry: ModelSource | undefined) {}

  resolve(ref: string): Promise<ResolvedModel> {
    if (looksLikePath(ref) || !this.registry) return this.files.resolve(ref);
    return this.registry.resolve(ref);
  }
}
