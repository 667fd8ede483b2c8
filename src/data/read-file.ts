import { readFile } from 'node:fs/promises';
import { InputError } from '../core/errors.js';

/** Reads a whole input file, turning "no such file" and friends into an InputError naming it. */
export async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError('file-not-found', `${path}: no such file`, { file: path });
    if (code === 'EISDIR') throw new InputError('not-a-file', `${path} is a folder, not a file`, { file: path });
    if (code === 'EACCES') throw new InputError('file-not-readable', `${path}: permission denied`, { file: path });
    throw e;
  }
}
