import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { CliContext } from './context.js';

/**
 * Runs `work` with a `write` that goes to stdout, or (with outPath) to a temp file renamed to
 * outPath once all was written: a failed export never leaves half a file. Honours back-pressure.
 */
export async function writeExport<T>(ctx: CliContext, outPath: string | undefined, work: (write: (chunk: string) => Promise<void>) => Promise<T>): Promise<T> {
  const tmp = outPath !== undefined ? `${outPath}.${process.pid}.tmp` : undefined;
  const out: Writable = tmp !== undefined ? createWriteStream(tmp) : ctx.stdout;
  const write = async (chunk: string) => { if (!out.write(chunk)) await once(out, 'drain'); };
  try {
    const result = await work(write);
    if (tmp !== undefined && outPath !== undefined) {
      out.end();
      await once(out, 'finish');
      renameSync(tmp, outPath);
    }
    return result;
  } catch (e) {
    if (tmp !== undefined) { out.destroy(); rmSync(tmp, { force: true }); }
    throw e;
  }
}
