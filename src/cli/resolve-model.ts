import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Settings } from '../config/config.js';
import { ArtifactError, LadingError, NotFoundError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import { withWorkspace } from '../platform/index.js';

/** A model flag turned into an artifact file a predictor can open. */
export interface ModelFile {
  /** What was asked for: a path or a registry reference. */
  readonly ref: string;
  /** The artifact file to load (for a registered model, a verified temporary copy). */
  readonly path: string;
  /** The registry version it resolved to; undefined for a plain file. */
  readonly registered: { readonly name: string; readonly version: number } | undefined;
  /** Removes the temporary copy, if any. */
  release(): Promise<void>;
}

const REF_HELP = 'Pass the path of an artifact file (written by `lading train --out`), or a registered model as NAME, NAME@ALIAS or NAME@VERSION (see `lading models list`; the registry is --home, or --registry-url).';

/**
 * What every verb that takes a model does with `--model REF`: a path to an existing file is that
 * file; anything else is a registry reference (NAME = NAME@champion, NAME@ALIAS, NAME@VERSION)
 * resolved in the workspace, whose artifact bytes are read, checked against their sha256 and
 * written to a temporary file. When REF is neither, the error names both possibilities.
 */
export async function resolveModelFlag(verb: string, ref: string, settings: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'>): Promise<ModelFile> {
  const path = resolve(ref);
  if (existsSync(path) && statSync(path).isFile()) return { ref, path, registered: undefined, release: async () => undefined };
  const notAFile = `lading ${verb}: --model "${ref}" is not a file (no ${path})`;
  // Opening the embedded workspace creates it; a typo must not leave an empty workspace behind.
  if (settings.registryUrl === undefined && !existsSync(join(settings.home, 'lading.db'))) {
    throw new NotFoundError('model-not-found', `${notAFile}, and there is no workspace at ${settings.home} to look it up as a registered model`,
      { verb, ref, path, home: settings.home }, REF_HELP);
  }
  const where = settings.registryUrl !== undefined ? 'the shared registry' : `the workspace at ${settings.home}`;
  let found: { name: string; version: number; sha256: string; bytes: Uint8Array };
  try {
    found = await withWorkspace(settings, async (ws) => {
      const record = await ws.resolveModel(ref);
      return { name: record.model, version: record.version, sha256: record.artifactSha256, bytes: await ws.readModelArtifact(record) };
    });
  } catch (e) {
    // A malformed or unknown reference: say that it was not a file either.
    if (e instanceof NotFoundError || (e instanceof LadingError && e.code === 'bad-model-ref')) {
      throw new NotFoundError('model-not-found', `${notAFile}, nor a model in ${where}: ${e.message}`, { verb, ref, path, ...e.facts }, REF_HELP, { cause: e });
    }
    throw e;
  }
  const actual = sha256Hex(found.bytes);
  if (actual !== found.sha256) {
    throw new ArtifactError('artifact-checksum-mismatch', `${found.name} version ${found.version}: the stored artifact's sha256 is ${actual}, the registry expects ${found.sha256}`,
      { model: found.name, version: found.version, expected: found.sha256, actual }, 'The artifact store is damaged; restore it from a backup or register the model again.');
  }
  const dir = await mkdtemp(join(tmpdir(), 'lading-model-'));
  const file = join(dir, `${found.sha256}.lading`);
  await writeFile(file, found.bytes);
  return { ref, path: file, registered: { name: found.name, version: found.version }, release: () => rm(dir, { recursive: true, force: true }) };
}
