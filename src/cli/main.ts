import { makeContext } from './context.js';
import { reportError, writeLine } from './output.js';
import { VERBS } from './verbs.js';

/**
 * The command line's entry: the only place that reads process.argv, installs the Ctrl-C handler and
 * sets the exit code. SIGTERM or a first Ctrl-C aborts the running verb cleanly; a second one exits at once.
 */
async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const json = argv.includes('--json');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const lines = ['lading: train, register, serve and watch short-text classifiers', '', 'Usage: lading <verb> [options]   (lading <verb> --help for more)', '', 'Verbs:'];
    for (const [verb, load] of Object.entries(VERBS)) lines.push(`  ${verb.padEnd(12)} ${(await load()).verb.summary}`);
    writeLine(process.stdout, lines.join('\n'));
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    const { codeVersion } = await import('../core/version.js');
    writeLine(process.stdout, codeVersion());
    return 0;
  }
  const load = VERBS[name];
  if (!load) {
    process.stderr.write(`error: unknown verb "${name}"; known verbs: ${Object.keys(VERBS).join(', ')}\n`);
    return 2;
  }
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\ninterrupting (Ctrl-C again to exit at once)...\n');
    controller.abort();
  });
  // SIGTERM (a process manager, Kubernetes) asks for the same clean stop: servers drain, training
  // keeps nothing partial.
  process.on('SIGTERM', () => controller.abort());
  const ctx = makeContext({
    argv: rest, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env,
    isTTY: Boolean(process.stderr.isTTY), signal: controller.signal,
  });
  try {
    const { verb } = await load();
    return await verb.run(ctx);
  } catch (e) {
    return reportError(e, process.stderr, json);
  }
}

// A closed pipe (`lading predict ... | head`) is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => { process.exitCode = reportError(e, process.stderr, false); },
);
