import { makeContext } from './context.js';
import { reportError, writeLine } from './output.js';
import { topLevelHelp, VERBS } from './verbs.js';

/**
 * The command line's entry: the only place that reads process.argv, installs the Ctrl-C handler and
 * sets the exit code. SIGTERM or a first Ctrl-C aborts the running verb cleanly; a second one exits at once.
 */
async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const json = argv.includes('--json');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeLine(process.stdout, await topLevelHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    const { codeVersion } = await import('../core/version.js');
    writeLine(process.stdout, codeVersion());
    return 0;
  }
  const load = VERBS[name];
  if (!load) {
    process.stderr.write(`error: unknown verb "${name}"; known verbs: ${Object.keys(VERBS).join(', ')}\n  hint: Run \`lading --help\`.\n`);
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
    isTTY: Boolean(process.stderr.isTTY), signal: controller.signal, cwd: process.cwd(),
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

// Once the verb has returned, the process ends even if a handle was left open by mistake (a worker,
// a socket): the exit code must reach the shell, and a finished command must never hang.
const exitSoon = (code: number) => {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 3000).unref();
};
main(process.argv.slice(2)).then(exitSoon, (e: unknown) => exitSoon(reportError(e, process.stderr, false)));
