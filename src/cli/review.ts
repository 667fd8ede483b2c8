import { resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { answerReviewItem, withReviewQueue } from '../platform/index.js';
import { exportReview, type ReviewExportFormat } from '../review/review-export.js';
import type { ReviewItem, ReviewQuery } from '../review/review-queue.js';
import { intFlag, parseVerbArgs, requireFlag } from './args.js';
import { COMMON_HELP, COMMON_OPTIONS, type CliContext, type Verb } from './context.js';
import { actorOf, publishing } from './open-registry.js';
import { fmt, table, utcTime, writeJson, writeLine, type Cell } from './output.js';
import { runSubcommand } from './subcommands.js';
import { writeExport } from './write-export.js';

const WHERE = `The queue is <home>/review.sqlite, or with --registry-url the rev_* tables of the registry's
PostgreSQL schema: the one \`lading serve\` routes into (--review-below, or the endpoint's decision).`;

const LIST_HELP = `Usage: lading review list --endpoint E [--state open|answered|all] [--limit N] [--cursor C] [options]

The review queue of an endpoint, most valuable first: the most routed occurrences of a text (one
answer labels them all), then the least certain (lowest top score), then the oldest.

Options:
  --endpoint E      the endpoint (required)
  --state S         open (default), answered or all
  --limit N         items per page (default 50, at most 1000)
  --cursor C        the next page: the cursor the previous page printed
${WHERE}
${COMMON_HELP}`;

const ANSWER_HELP = `Usage: lading review answer ID (--label L | --accept K) [--actor A] [--note N] [options]

Answers review item ID, and with it every routed occurrence of its text: the label is recorded with
who answered and when, then written as feedback (source "review:<actor>") for each occurrence, joined
by its request id to the logged prediction, so real accuracy, \`lading feedback to-dataset\` and
retraining pipelines take it like any delayed label. An item answered already is refused.

Options:
  --label L         the true label
  --accept K        accept the item's suggestion K (0 = the model's answer; see \`review list\`)
  --actor A         who answers (default: LADING_ACTOR, else the login name)
  --note N          a remark kept with the answer
${WHERE}
${COMMON_HELP}`;

const EXPORT_HELP = `Usage: lading review export --endpoint E [--state open|answered|all] [--format jsonl|csv] [--out FILE] [options]

Every item of an endpoint's queue (default: answered ones) in queue order, as JSON Lines (every
field) or CSV (suggestions as label:score|label:score), to stdout or FILE (written whole or not at all).

Options:
  --endpoint E      the endpoint (required)
  --state S         answered (default), open or all
  --format F        jsonl (default) or csv
  --out FILE        write to FILE instead of stdout
${WHERE}
${COMMON_HELP}`;

const OVERVIEW_HELP = `Usage: lading review <list|answer|export> [options]

Texts the model did not decide alone, waiting for a person (also over HTTP: GET /v1/review?endpoint=E,
POST /v1/review/{id}). Identical texts are one item.

  lading review list --endpoint E [--state S] [--limit N] [--cursor C]
  lading review answer ID (--label L | --accept K) [--actor A] [--note N]
  lading review export --endpoint E [--state S] [--format jsonl|csv] [--out FILE]

Run \`lading review <subcommand> --help\` for the options of each.`;

export const verb: Verb = {
  summary: 'the review queue: list routed texts, answer them (feedback), export',
  help: OVERVIEW_HELP,
  run: (ctx) => runSubcommand('review', OVERVIEW_HELP, { list: runList, answer: runAnswer, export: runExport }, ctx),
};

function stateFlag(value: string | undefined, fallback: ReviewQuery['state']): NonNullable<ReviewQuery['state']> {
  const state = value ?? fallback ?? 'open';
  if (state !== 'open' && state !== 'answered' && state !== 'all') {
    throw new InputError('bad-flag', `--state must be open, answered or all, got "${state}"`, { flag: '--state' });
  }
  return state;
}

const LIST_OPTIONS = { ...COMMON_OPTIONS, endpoint: { type: 'string' }, state: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' } } as const;

async function runList(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values } = parseVerbArgs('review list', argv, LIST_OPTIONS, false);
  if (values.help) { writeLine(ctx.stdout, LIST_HELP); return 0; }
  const endpoint = requireFlag('review list', values.endpoint, '--endpoint');
  const query: ReviewQuery = { endpoint, state: stateFlag(values.state, 'open'), limit: intFlag('review list', values.limit, '--limit', 50, 1, 1000), cursor: values.cursor };
  const page = await withReviewQueue(ctx.settings(values), (queue) => queue.list(query));
  if (values.json) { writeJson(ctx.stdout, page); return 0; }
  if (page.items.length === 0) { writeLine(ctx.stdout, `no ${query.state === 'all' ? '' : `${query.state} `}review items for ${endpoint}`); return 0; }
  writeLine(ctx.stdout, table(['id', 'count', 'text', 'suggestions', 'model', 'last seen', 'answer'], page.items.map(itemRow)));
  if (page.nextCursor !== null) writeLine(ctx.stdout, `more: lading review list --endpoint ${endpoint} --cursor ${page.nextCursor}`);
  return 0;
}

function itemRow(i: ReviewItem): Cell[] {
  const text = i.text.length > 50 ? `${i.text.slice(0, 47)}...` : i.text;
  return [i.id, i.occurrences, text, i.suggestions.slice(0, 3).map((s, k) => `${k}:${s.label} ${fmt(s.score, 2)}`).join(', '),
    `${i.model}@${i.version}`, utcTime(new Date(i.lastSeen)), i.answer ? `${i.answer.label} (${i.answer.actor})` : ''];
}

const ANSWER_OPTIONS = { ...COMMON_OPTIONS, label: { type: 'string' }, accept: { type: 'string' }, actor: { type: 'string' }, note: { type: 'string' } } as const;

async function runAnswer(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('review answer', argv, ANSWER_OPTIONS);
  if (values.help) { writeLine(ctx.stdout, ANSWER_HELP); return 0; }
  if (positionals.length !== 1 || !/^\d{1,15}$/.test(positionals[0]!)) {
    throw new InputError('bad-arguments', `lading review answer: expected one item ID (a whole number), got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`, {}, 'Run `lading review list --endpoint E` for the ids.');
  }
  if ((values.label === undefined) === (values.accept === undefined)) {
    throw new InputError('missing-flag', 'lading review answer: give --label L or --accept K (one of them)', { flag: '--label' }, 'Run `lading review answer --help`.');
  }
  const accept = values.accept === undefined ? undefined : intFlag('review answer', values.accept, '--accept', 0, 0, 1000);
  const settings = ctx.settings(values);
  const r = await answerReviewItem(settings, Number(positionals[0]), { label: values.label, accept, actor: actorOf(ctx, values), note: values.note }, publishing(ctx));
  const { ids: _ids, ...feedback } = r.feedback;
  if (values.json) { writeJson(ctx.stdout, { item: r.item, feedback }); return 0; }
  writeLine(ctx.stdout, `answered item ${r.item.id} (${r.item.occurrences} occurrence(s) of "${r.item.text}") with ${r.item.answer?.label} as ${r.item.answer?.actor}`);
  writeLine(ctx.stdout, `feedback: ${feedback.accepted} item(s), ${feedback.joinedById} joined by request id, ${feedback.joinedByText} by text, ${feedback.unjoined} unjoined`);
  return 0;
}

const EXPORT_OPTIONS = { ...COMMON_OPTIONS, endpoint: { type: 'string' }, state: { type: 'string' }, format: { type: 'string', default: 'jsonl' }, out: { type: 'string' } } as const;

async function runExport(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const { values } = parseVerbArgs('review export', argv, EXPORT_OPTIONS, false);
  if (values.help) { writeLine(ctx.stdout, EXPORT_HELP); return 0; }
  const endpoint = requireFlag('review export', values.endpoint, '--endpoint');
  const state = stateFlag(values.state, 'answered');
  const format = values.format as ReviewExportFormat;
  if (format !== 'jsonl' && format !== 'csv') throw new InputError('bad-flag', `lading review export: --format must be jsonl or csv, got "${values.format}"`, { flag: '--format' });
  const settings = ctx.settings(values);
  const outPath = values.out !== undefined ? resolve(ctx.cwd, values.out) : undefined;
  const items = await writeExport(ctx, outPath, (write) => withReviewQueue(settings, (queue) => exportReview(queue, { endpoint, state }, format, write)));
  const summary = { endpoint, state, format, items, out: outPath ?? null };
  if (outPath === undefined) ctx.stderr.write(`exported ${items} ${state === 'all' ? '' : `${state} `}review item(s) of ${endpoint}\n`);
  else if (values.json) writeJson(ctx.stdout, summary);
  else writeLine(ctx.stdout, `wrote ${items} review item(s) of ${endpoint} to ${outPath}`);
  return 0;
}
