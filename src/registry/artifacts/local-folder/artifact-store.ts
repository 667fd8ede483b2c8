import { closeSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../core/atomic-file.js';
import { sha256Hex } from '../../../core/hash.js';
import {
  checkArtifactAddress, corruptArtifact, isSha256Hex, missingArtifact, type ArtifactInfo, type ArtifactStore, type StoredArtifact,
} from '../artifact-store.js';

/**
 * Artifacts as files under `<root>/sha256/ab/abcdef...` (two-hex-digit fan-out keeps folders
 * small). Writes go to a temp file, are fsynced and renamed into place, and the folder is fsynced,
 * so a crash leaves either the whole file or none of it.
 */
export class LocalFolderArtifactStore implements ArtifactStore {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
    mkdirSync(join(root, 'sha256'), { recursive: true });
  }

  locate(sha256: string): string {
    return join(this.root, 'sha256', sha256.slice(0, 2), sha256);
  }

  async put(bytes: Uint8Array): Promise<StoredArtifact> {
    const sha256 = sha256Hex(bytes);
    const path = this.locate(sha256);
    const existing = await readIfExists(path);
    // An existing file is trusted only if it still hashes right; a damaged copy is replaced.
    if (existing !== undefined && sha256Hex(existing) === sha256) return { sha256, size: bytes.length };
    const dir = join(this.root, 'sha256', sha256.slice(0, 2));
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(path, bytes);
    fsyncFolder(dir);
    return { sha256, size: bytes.length };
  }

  async get(sha256: string): Promise<Uint8Array> {
    checkArtifactAddress(sha256);
    const path = this.locate(sha256);
    const bytes = await readIfExists(path);
    if (bytes === undefined) {
      throw missingArtifact(sha256, path, this.root, 'The workspace\'s artifact folder was changed by hand or only partly copied; restore it from a backup.');
    }
    const actual = sha256Hex(bytes);
    if (actual !== sha256) throw corruptArtifact(path, sha256, actual, 'Restore the file from a backup, or re-import / re-train what it held.');
    return bytes;
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.info(sha256)) !== null;
  }

  /** The file's size and modification time: a put of bytes already stored leaves the file untouched. */
  async info(sha256: string): Promise<ArtifactInfo | null> {
    checkArtifactAddress(sha256);
    try {
      const s = await stat(this.locate(sha256));
      return { bytes: s.size, storedAt: s.mtime.toISOString() };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async delete(sha256: string): Promise<boolean> {
    checkArtifactAddress(sha256);
    try {
      await unlink(this.locate(sha256));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  async list(): Promise<string[]> {
    const out: string[] = [];
    const top = join(this.root, 'sha256');
    for (const fan of (await readdir(top)).sort()) {
      if (!/^[0-9a-f]{2}$/.test(fan)) continue;
      for (const name of (await readdir(join(top, fan))).sort()) {
        if (isSha256Hex(name) && name.startsWith(fan)) out.push(name);
      }
    }
    return out;
  }
}

async function readIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Makes the rename itself durable. Not possible on every platform (Windows), where it is skipped. */
function fsyncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Folders cannot be opened for fsync on some platforms; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
