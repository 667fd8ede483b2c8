import { readFileSync } from 'node:fs';
import { ArtifactError } from '../core/errors.js';
import { decodeArtifact, type LoadedArtifact, type SectionArray } from '../core/artifact-format.js';

// The format itself is in core (the registry reads headers too); model code keeps importing it from here.
export {
  ARTIFACT_FORMAT_VERSION, decodeArtifact, encodeArtifact,
  type ArtifactHeader, type ArtifactMeta, type LoadedArtifact, type SectionArray, type SectionInfo, type SectionType,
} from '../core/artifact-format.js';

/**
 * Reads an artifact into shared memory and verifies it once: the serving threads decode the same
 * bytes with `decodeArtifact(bytes, path, { fileSha256 })`, without reading or hashing the file again
 * (a 23 MB fastText artifact: two sha256 passes of ~70 ms each per thread, at every start).
 */
export function readSharedArtifact(path: string): { readonly bytes: SharedArrayBuffer; readonly artifact: LoadedArtifact } {
  const file = readArtifactBytes(path);
  const bytes = new SharedArrayBuffer(file.length);
  new Uint8Array(bytes).set(file);
  return { bytes, artifact: decodeArtifact(new Uint8Array(bytes), path) };
}

export function readArtifactFile(path: string): LoadedArtifact {
  return decodeArtifact(readArtifactBytes(path), path);
}

function readArtifactBytes(path: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ArtifactError('artifact-unreadable', `cannot read model artifact ${path}: ${(e as Error).message}`, { file: path },
      'Check the path given to --model.', { cause: e });
  }
  return bytes;
}

export function sectionOf<T extends SectionArray>(a: LoadedArtifact, name: string, ctor: new (...args: never[]) => T): T {
  const s = a.sections.get(name);
  if (!(s instanceof ctor)) {
    throw new ArtifactError('artifact-bad-section', `artifact lacks section ${name} of the expected type`, { section: name });
  }
  return s as T;
}
