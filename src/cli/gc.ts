import { InputError } from '../core/errors.js';
import { collectGarbage } from '../registry/collect-garbage.js';
import { intFlag, parseVerbArgs } from './args.js';
import { COMMON_HELP, COMMON_OPTIONS, type Verb } from './context.js';
import { withRegistry } from './open-registry.js';
import { table, utcTime, writeJson, writeLine } from './output.js';

const HELP = `Usage: lading gc [--dry-run] [--min-age SECONDS] [options]

Finds artifacts that nothing refers to (no dataset version, no live model version) and deletes
them. They are left by a process killed between writing an artifact and its row, or freed when
a model version is deleted through the registry API (no verb deletes versions yet). Artifacts
younger than --min-age are kept: a registration writes its artifact just before its row, so a
very young orphan may be about to be referenced. Times are ISO 8601 UTC.

Options:
  --dry-run          list what would be deleted; delete nothing
  --min-age SECONDS  keep unreferenced artifacts younger than this (default 3600)
${COMMON_HELP}`;

const OPTIONS = { ...COMMON_OPTIONS, 'dry-run': { type: 'boolean', default: false }, 'min-age': { type: 'string' } } as const;

export const verb: Verb = {
  summary: 'delete artifacts nothing refers to (--dry-run to list them)',
  help: HELP,
  async run(ctx) {
    const { values, positionals } = parseVerbArgs('gc', ctx.argv, OPTIONS);
    if (values.help) { writeLine(ctx.stdout, HELP); return 0; }
    if (positionals.length > 0) throw new InputError('bad-arguments', `lading gc takes no arguments, got "${positionals.join(' ')}"`, {});
    const minAgeMs = intFlag('gc', values['min-age'], '--min-age', 3600, 0) * 1000;
    const report = await withRegistry(ctx, values, (ws) => collectGarbage(ws, { dryRun: values['dry-run'], minAgeMs }));
    if (values.json) { writeJson(ctx.stdout, report); return 0; }
    if (report.unreferenced.length === 0) {
      writeLine(ctx.stdout, `all ${report.storedArtifacts} stored artifacts are referenced; nothing to collect`);
      return 0;
    }
    writeLine(ctx.stdout, table(['sha256', 'bytes', 'stored', 'outcome'],
      report.unreferenced.map((u) => [u.sha256.slice(0, 16), u.bytes, utcTime(u.storedAt), u.outcome])));
    const deleted = report.unreferenced.filter((u) => u.outcome === 'deleted').length;
    writeLine(ctx.stdout, `\n${report.unreferenced.length} unreferenced of ${report.storedArtifacts} stored; deleted ${deleted} (${report.deletedBytes} bytes)${report.dryRun ? ' (dry run)' : ''}`);
    return 0;
  },
};
