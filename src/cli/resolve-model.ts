import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Settings } from '../config/config.js';
import { LadingError, NotFoundError } from '../core/errors.js';
import { modelCacheDir, withWorkspace } from '../platform/index.js';
import { RegistryModelSource } from '../serving/model-source.js';

/** A model flag turned into an artifact file a predictor can open. */
export interface ModelFile {
  /** What was asked for: a path or a registry reference. */
  readonly ref: string;
  /** The artifact file to load (for a registered model, its copy in the model cache). */
  readonly path: string;
  /** The registry version it resolved to; undefined for a plain file. */
  readonly registered: { readonly name: string; readonly version: number } | undefined;
}

const REF_HELP = 'Pass the path of an artifact file (written by `lading train --out`), or a registered model as NAME, NAME@ALIAS or NAME@VERSION (see `lading models list`; the registry is --home, or --registry-url).';

/**
 * What every verb that takes a model does with `--model REF`: a path to an existing file is that
 * file; anything else is a registry reference (NAME = NAME@champion, NAME@ALIAS, NAME@VERSION)
 * resolved in the workspace and loaded from the model cache (as `serve` does). When REF is neither, the error names both possibilities.
 */
export async function resolveModelFlag(verb: string, ref: string, settings: Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'>): Promise<ModelFile> {
  const path = resolve(ref);
  if (existsSync(path) && statSync(path).isFile()) return { ref, path, registered: undefined };
  const notAFile = `lading ${verb}: --model "${ref}" is not a file (no ${path})`;
  // Opening the embedded workspace creates it; a typo must not leave an empty workspace behind.
  if (settings.registryUrl === undefined && !existsSync(join(settings.home, 'lading.db'))) {
    throw new NotFoundError('model-not-found', `${notAFile}, and there is no workspace at ${settings.home} to look it up as a registered model`,
      { verb, ref, path, home: settings.home }, REF_HELP);
  }
  const where = settings.registryUrl !== undefined ? 'the shared registry' : `the workspace at ${settings.home}`;
  try {
    // The same content-addressed copy `serve` loads: the artifact store verifies the bytes on read.
    const found = await withWorkspace(settings, (ws) => new RegistryModelSource(ws, modelCacheDir(settings)).resolve(ref));
    return { ref, path: found.path, registered: { name: found.name, version: Number(found.version) } };
  } catch (e) {
    // A malformed or unknown reference: say that it was not a file either.
    if (e instanceof NotFoundError || (e instanceof LadingError && e.code === 'bad-model-ref')) {
      throw new NotFoundError('model-not-found', `${notAFile}, nor a model in ${where}: ${e.message}`, { verb, ref, path, ...e.facts }, REF_HELP, { cause: e });
    }
    throw e;
  }
}
