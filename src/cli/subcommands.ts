import { InputError } from '../core/errors.js';
import type { CliContext } from './context.js';
import { writeLine } from './output.js';

export type Subcommand = (ctx: CliContext, argv: readonly string[]) => Promise<number>;

/**
 * `lading VERB SUB ...` for the verbs made of subcommands: no subcommand prints the overview to
 * stderr (exit 2), `--help` / `help` prints it to stdout, an unknown one is an error naming the known ones.
 */
export function runSubcommand(verb: string, overview: string, subcommands: Readonly<Record<string, Subcommand>>, ctx: CliContext): Promise<number> {
  const [sub, ...rest] = ctx.argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    writeLine(sub === undefined ? ctx.stderr : ctx.stdout, overview);
    return Promise.resolve(sub === undefined ? 2 : 0);
  }
  const handler = subcommands[sub];
  if (handler === undefined) {
    const names = Object.keys(subcommands);
    const known = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : names.join('');
    throw new InputError('unknown-subcommand', `lading ${verb}: unknown subcommand "${sub}"; use ${known}`, { subcommand: sub }, `Run \`lading ${verb} --help\`.`);
  }
  return handler(ctx, rest);
}
