import { basename, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { acceptFeedback } from '../monitoring/feedback/accept-feedback.js';
import { feedbackDataset } from '../monitoring/feedback/feedback-dataset.js';
import { parseTimeSpec } from '../monitoring/log/time-spec.js';
import { withMonitoringStore, withWorkspace } from '../platform/index.js';
import { parseVerbArgs, requireFlag } from './args.js';
import { runSubcommand } from './subcommands.js';
import { COMMON_HELP, COMMON_OPTIONS, type CliContext, type Verb } from './context.js';
import { readFeedbackFile } from './read-feedback-file.js';
import { publishing, withRegistry } from './open-registry.js';
import { writeJson, writeLine } from './output.js';

const IMPORT_HELP = `Usage: lading feedback import FILE --endpoint E (--text COL | --id COL) [--label COL] [options]

Delayed labels from a CSV (header row) or JSONL file: a broker's corrections, customs rulings, a
curator's fixes. Each row is joined to the prediction it corrects: by request id (--id, the
\`requestId\` / OIP \`id\` the prediction answered with), else by its normalised text (the most recent
answer of that text on the endpoint). All or nothing: a bad row (unknown request id, empty label or
text, bad time) is an error naming the file, line and column, and nothing is stored. A label the
answering model does not know is accepted and flagged as a new class.

Options:
  --endpoint E      the endpoint the predictions were made on (required)
  --text COL        column of the classified text
  --id COL          column of the request id
  --position COL    column of the text's index within its request (default 0)
  --label COL       column of the true label (default "label")
  --time COL        column of when the label became known (ISO-8601 or epoch ms; default: now)
  --source S        who said so (default: the file's name)
${COMMON_HELP}`;

const TO_DATASET_HELP = `Usage: lading feedback to-dataset --endpoint E [--since T] [--until T] [--name N] [options]

Turns the accepted feedback of an endpoint into a new dataset version (text, label) for retraining.
A text corrected more than once keeps its most recent label; feedback whose text is not stored
(the endpoint logged only hashes, logText false) is skipped and counted. The dataset registry has no
field for lineage, so the dataset's source names it: "feedback:E since..until (N items)".

Options:
  --endpoint E      the endpoint (required)
  --since T         only feedback from T on (ISO-8601 or a span back: 7d); default: all
  --until T         only feedback before T; default: now
  --name N          a name recorded in the lineage (the dataset's id is its content hash)
${COMMON_HELP}`;

const OVERVIEW_HELP = `Usage: lading feedback <import|to-dataset> [options]

Delayed labels for what \`lading serve\` answered (also accepted over HTTP: POST /v1/feedback).

  lading feedback import FILE --endpoint E (--text COL | --id COL) [--label COL] [--time COL] [--source S]
  lading feedback to-dataset --endpoint E [--since T] [--name N]

Run \`lading feedback <subcommand> --help\` for the options of each.`;

const SUBCOMMANDS: Readonly<Record<string, (ctx: CliContext, argv: readonly string[]) => Promise<number>>> = {
  import: runImport,
  'to-dataset': runToDataset,
};

export const verb: Verb = {
  summary: 'import delayed labels (feedback) and turn them into a dataset',
  help: OVERVIEW_HELP,
  run: (ctx) => runSubcommand('feedback', OVERVIEW_HELP, SUBCOMMANDS, ctx),
};

const IMPORT_OPTIONS = {
  ...COMMON_OPTIONS,
  endpoint: { type: 'string' },
  text: { type: 'string' },
  id: { type: 'string' },
  position: { type: 'string' },
  label: { type: 'string', default: 'label' },
  time: { type: 'string' },
  source: { type: 'string' },
} as const;

async function runImport(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('feedback import', argv, IMPORT_OPTIONS);
  if (values.help) { writeLine(ctx.stdout, IMPORT_HELP); return 0; }
  if (positionals.length !== 1) {
    throw new InputError('bad-arguments', `lading feedback import: expected one FILE, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`, {}, 'Run `lading feedback import --help`.');
  }
  const endpoint = requireFlag('feedback import', values.endpoint, '--endpoint');
  if (values.text === undefined && values.id === undefined) {
    throw new InputError('missing-flag', 'lading feedback import: give --text COL, --id COL, or both', { flag: '--text' }, 'Run `lading feedback import --help`.');
  }
  const path = resolve(ctx.cwd, positionals[0]!);
  const settings = ctx.settings(values);
  // Read and check the whole file first: a bad row stores nothing.
  const file = await readFeedbackFile(path, { text: values.text, label: values.label, requestId: values.id, position: values.position, time: values.time });
  const r = await withMonitoringStore(settings, async (store) => {
    const labelsOf = (model: string, sha: string) => withWorkspace(settings, async (ws) =>
      (await ws.listModelVersions(model).catch(() => [])).find((v) => v.artifactSha256 === sha)?.labels);
    return acceptFeedback(file.items, {
      store, endpoint, defaultSource: values.source ?? basename(path), locate: file.locate,
      labelsOf: (p) => labelsOf(p.model, p.modelSha256).catch(() => undefined),
    });
  }, { publish: publishing(ctx) });
  if (values.json) writeJson(ctx.stdout, { file: path, endpoint, ...r, ids: undefined });
  else {
    writeLine(ctx.stdout, `accepted ${r.accepted} feedback item(s) for ${endpoint}: ${r.joinedById} joined by request id, ${r.joinedByText} by text, ${r.unjoined} matched no logged prediction`);
    if (r.newClass.length > 0) writeLine(ctx.stdout, `${r.newClass.length} item(s) carry a label the answering model does not know (flagged as a new class)`);
  }
  return 0;
}

const TO_DATASET_OPTIONS = {
  ...COMMON_OPTIONS,
  endpoint: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  name: { type: 'string' },
} as const;

async function runToDataset(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values } = parseVerbArgs('feedback to-dataset', argv, TO_DATASET_OPTIONS, false);
  if (values.help) { writeLine(ctx.stdout, TO_DATASET_HELP); return 0; }
  const endpoint = requireFlag('feedback to-dataset', values.endpoint, '--endpoint');
  const now = Date.now();
  const since = values.since !== undefined ? parseTimeSpec(values.since, '--since', now) : undefined;
  const until = values.until !== undefined ? parseTimeSpec(values.until, '--until', now) : now;
  const settings = ctx.settings(values);
  const feedback = await withMonitoringStore(settings, (store) => store.listFeedback({ endpoint, since, until }));
  const built = feedbackDataset(feedback, { endpoint, since, until, name: values.name });
  if (built.rows.texts.length === 0) {
    throw new InputError('no-feedback', `no feedback with a stored text for ${endpoint} in that window (${feedback.length} item(s), ${built.skippedNoText} without text)`,
      { endpoint, items: feedback.length, skipped: built.skippedNoText },
      built.skippedNoText > 0 ? 'The endpoint logs only hashes (logText false): send the text with each feedback item.' : 'Import feedback first: `lading feedback import`.');
  }
  const { version, created } = await withRegistry(ctx, values, (ws) => ws.saveDataset(built.rows, { file: built.lineage, format: 'jsonl' }));
  const summary = { dataset: version.id, created, rows: built.rows.texts.length, items: feedback.length, skippedNoText: built.skippedNoText, replaced: built.replaced,
    reviewedRows: built.rows.reviewRows?.length ?? 0, lineage: built.lineage };
  if (values.json) writeJson(ctx.stdout, summary);
  else {
    writeLine(ctx.stdout, `${created ? 'saved new dataset version' : 'already stored (same content):'} ${version.id}: ${summary.rows} row(s) from ${feedback.length} feedback item(s)`);
    if (built.skippedNoText > 0) writeLine(ctx.stdout, `skipped ${built.skippedNoText} item(s) without a stored text (logText false)`);
    if (built.replaced > 0) writeLine(ctx.stdout, `${built.replaced} older correction(s) of the same text were superseded by a newer one`);
    if (summary.reviewedRows > 0) writeLine(ctx.stdout, `${summary.reviewedRows} row(s) are review answers: marked as reviewed, they train but stay out of the decide-or-route thresholds`);
    writeLine(ctx.stdout, `lineage: ${built.lineage}`);
  }
  return 0;
}
