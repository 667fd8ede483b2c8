import { open, readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { InputError } from '../core/errors.js';

/** Bytes read per step when streaming a file: large enough to amortise parsing, small beside memory. */
const STREAM_CHUNK_BYTES = 256 * 1024;

/** Reads a whole input file, turning "no such file" and friends into an InputError naming it. */
export async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    throw fileError(e, path);
  }
}

/**
 * Opens an input file for streaming, with the errors of readInputFile raised here, before anything
 * is read (a folder is refused too, which open() alone would allow).
 */
export async function openInputStream(path: string): Promise<Readable> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw fileError(e, path);
  }
  if ((await handle.stat()).isDirectory()) {
    await handle.close();
    throw fileError(Object.assign(new Error('is a directory'), { code: 'EISDIR' }), path);
  }
  return handle.createReadStream({ highWaterMark: STREAM_CHUNK_BYTES });
}

function fileError(e: unknown, path: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InputError('file-not-found', `${path}: no such file`, { file: path });
  if (code === 'EISDIR') return new InputError('not-a-file', `${path} is a folder, not a file`, { file: path });
  if (code === 'EACCES') return new InputError('file-not-readable', `${path}: permission denied`, { file: path });
  return e;
}
