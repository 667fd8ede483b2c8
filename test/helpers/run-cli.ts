import { PassThrough } from 'node:stream';
import { makeContext, type Verb } from '../../src/cli/context.js';
import { reportError } from '../../src/cli/output.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a verb in-process the way cli/main.ts does (errors rendered, exit code returned). */
export async function runVerb(verb: Verb, argv: readonly string[], options: { signal?: AbortSignal; stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => { out += d.toString('utf8'); });
  stderr.on('data', (d: Buffer) => { err += d.toString('utf8'); });
  stdin.end(options.stdin ?? '');
  const ctx = makeContext({
    argv, stdout, stderr, stdin, env: options.env ?? {}, isTTY: false, signal: options.signal ?? new AbortController().signal,
  });
  let code: number;
  try {
    code = await verb.run(ctx);
  } catch (e) {
    code = reportError(e, stderr, argv.includes('--json'));
  }
  return { code, stdout: out, stderr: err };
}
