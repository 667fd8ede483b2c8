import { readFileSync } from 'node:fs';
import { ArtifactError } from '../core/errors.js';
import { decodeArtifact, type LoadedArtifact, type SectionArray } from '../core/artifact-format.js';

// The format itself is in core (the registry reads headers too); model code keeps importing it from here.
export {
  ARTIFACT_FORMAT_VERSION, decodeArtifact, encodeArtifact,
  type ArtifactHeader, type ArtifactMeta, type LoadedArtifact, type SectionArray, type SectionInfo, type SectionType,
} from '../core/artifact-format.js';

export function readArtifactFile(path: string): LoadedArtifact {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ArtifactError('artifact-unreadable', `cannot read model artifact ${path}: ${(e as Error).message}`, { file: path },
      'Check the path given to --model.', { cause: e });
  }
  return decodeArtifact(bytes, path);
}

export function sectionOf<T extends SectionArray>(a: LoadedArtifact, name: string, ctor: new (...args: never[]) => T): T {
  const s = a.sections.get(name);
  if (!(s instanceof ctor)) {
    throw new ArtifactError('artifact-bad-section', `artifact lacks section ${name} of the expected type`, { section: name });
  }
  return s as T;
}
