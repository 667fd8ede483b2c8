import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Settings } from '../config/config.js';
import { InputError, InterruptedError } from '../core/errors.js';
import { batchPieces } from '../data/batch-pieces.js';
import { tableFormatOf } from '../data/file-format.js';
import { openInputStream } from '../data/read-file.js';
import { readTextsFile, textsOfStream } from '../data/read-texts.js';
import type { Contribution } from '../models/classifier.js';
import { ParallelPredictor } from '../models/parallel-predict.js';
import { topK } from '../models/top-k.js';
import { intFlag, parseVerbArgs, requireFlag } from './args.js';
import { COMMON_HELP, COMMON_OPTIONS, type CliContext, type Verb } from './context.js';
import { FEATURE_HELP, FEATURE_OPTIONS, modelInputsOfFile, peekInputFeatures, warnTextAlone, type FeatureFlags } from './model-feature-inputs.js';
import { writeLine } from './output.js';
import { resolveModelFlag } from './resolve-model.js';

const OPTIONS = {
  ...COMMON_OPTIONS,
  model: { type: 'string' },
  input: { type: 'string' },
  text: { type: 'string' },
  top: { type: 'string' },
  explain: { type: 'boolean', default: false },
  ...FEATURE_OPTIONS,
} as const;

/** Texts predicted per step; with one step in flight and one being written, memory stays flat. */
export const PREDICT_BATCH_ROWS = 4096;
/** A partial batch goes out once the input has been quiet this long (a pipe fed slowly, a person typing). */
const IDLE_FLUSH_MS = 50;
const EXPLAIN_FEATURES = 10;

export const verb: Verb = {
  summary: 'classify texts (one per line, or a CSV/JSONL text column) and write JSON lines',
  help: `Usage: lading predict --model PATH [--input FILE] [options] > predictions.jsonl
       lading predict --model NAME[@ALIAS|@VERSION] [--input FILE] [options] > predictions.jsonl

Reads texts from --input or stdin and writes one JSON object per text to stdout, in input order:
  {"label":"392410","score":0.93,"top":[{"label":"392410","score":0.93},...],"model":"fasttext@1a2b3c4d5e6f"}
"model" is the kind and the first 12 hex digits of the artifact's sha256. A .csv/.jsonl/.ndjson file
is read as a table (texts from --text, default "text"); any other file and stdin are plain text, one
text per line (blank lines are empty texts, so output line k answers input line k). Input of every
kind is streamed in batches of up to ${PREDICT_BATCH_ROWS} texts and output is written as each batch is done,
so inputs of any size run in flat memory; when input arrives slowly, each pause flushes what came.
A bad row stops the run with an error naming its line, after the rows before it were written.

Options:
  --model REF    an artifact file (written by \`lading train --out\`), or a registered model
                 NAME, NAME@ALIAS or NAME@VERSION (registry: --home, or --registry-url)
  --input FILE   texts to classify (default: stdin)
  --text COL     text column of a CSV/JSONL input (default: text)
  --top K        how many best labels to list in "top" (default: 1)
  --explain      add "explain": the ${EXPLAIN_FEATURES} features that pushed the text towards its label

${FEATURE_HELP}
A model with features reads a CSV/JSONL input whole (the lookups and the point-in-time join take
every row at once); each line of a row answered from the text alone says "textAlone":true.
${COMMON_HELP}`,

  async run(ctx) {
    const { values } = parseVerbArgs('predict', ctx.argv, OPTIONS, false);
    if (values.help) {
      writeLine(ctx.stdout, this.help);
      return 0;
    }
    const modelRef = requireFlag('predict', values.model, '--model');
    const top = intFlag('predict', values.top, '--top', 1, 1, 10_000);
    const settings = ctx.settings(values);
    const input = values.input === undefined ? undefined : resolve(values.input);
    const features: FeatureFlags = { entities: values.entities, 'as-of': values['as-of'] };
    const table = input !== undefined && tableFormatOf(input) !== undefined;
    if (!table && (features.entities !== undefined || features['as-of'] !== undefined)) {
      throw new InputError('bad-flag', `${features.entities !== undefined ? '--entities' : '--as-of'} needs a CSV/JSONL --input file (it names the file's columns)`,
        { flag: features.entities !== undefined ? '--entities' : '--as-of' });
    }

    const stream = input === undefined ? ctx.stdin : await openInputStream(input);
    // Ctrl-C while waiting for input: ending the input ends the wait.
    const stop = (): void => { stream.destroy(); };
    ctx.signal.addEventListener('abort', stop, { once: true });
    const source = input ?? '<stdin>';
    const batches = batchPieces(textsOfStream(stream, (input !== undefined ? tableFormatOf(input) : undefined) ?? 'lines', values.text, source), PREDICT_BATCH_ROWS, IDLE_FLUSH_MS);
    const iterator = batches[Symbol.asyncIterator]();
    const model = await resolveModelFlag('predict', modelRef, settings).catch(async (e: unknown) => {
      await closeInput(stream, iterator);
      throw e;
    });
    const inputFeatures = peekInputFeatures(model.path);
    if (table && (inputFeatures !== undefined || features.entities !== undefined || features['as-of'] !== undefined)) {
      // The file is read again, whole, with the columns the features need.
      await closeInput(stream, iterator);
      ctx.signal.removeEventListener('abort', stop);
      await predictFileWithFeatures(ctx, model.path, input, values.text, settings, features, { top, explain: values.explain, signal: ctx.signal });
      return 0;
    }
    // A feature model given plain lines (or stdin) has no values to read: the text alone, said so.
    const alone = inputFeatures === undefined ? undefined : { rows: 0 };
    try {
      // The model opens once the first batch is in (a bad table header fails before it loads), and
      // a short input (one partial batch) starts only the threads it can use, since starting a
      // thread costs more than predicting a few hundred texts.
      const head = await nextUnlessAborted(iterator, ctx.signal);
      const firstBatch = head.done ? [] : head.value;
      const threads = head.done || firstBatch.length < PREDICT_BATCH_ROWS
        ? Math.max(1, Math.min(settings.threads, Math.ceil(firstBatch.length / 1024)))
        : settings.threads;
      const predictor = await ParallelPredictor.open(model.path, threads);
      try {
        await predictAll(ctx.stdout, predictor, head, iterator, {
          top, explain: values.explain, signal: ctx.signal,
          ...(alone ? { rowNote: () => { alone.rows++; return TEXT_ALONE_NOTE; } } : {}),
        });
      } finally {
        await predictor.close();
      }
    } finally {
      await closeInput(stream, iterator);
      ctx.signal.removeEventListener('abort', stop);
    }
    if (alone && inputFeatures) {
      warnTextAlone(ctx.stderr, { source: 'none', columns: inputFeatures.columns, keyColumns: {}, asOf: null, rows: alone.rows, withFeatures: 0, textAlone: alone.rows });
    }
    return 0;
  },
};

interface PredictOptions {
  readonly top: number;
  readonly explain: boolean;
  readonly signal: AbortSignal;
  /** Extra fields of a row's line (from `,`), by its index in the input; none when absent. */
  readonly rowNote?: (row: number) => string;
}

const TEXT_ALONE_NOTE = ',"textAlone":true';

/**
 * A model with entity features on a CSV/JSONL file: the file read whole, each row composed as
 * training did (its feature columns, or values looked up by its keys), then predicted in batches.
 */
async function predictFileWithFeatures(ctx: CliContext, modelPath: string, input: string, textColumn: string | undefined, settings: Settings, features: FeatureFlags, options: PredictOptions): Promise<void> {
  const texts = await readTextsFile(input, textColumn);
  const predictor = await ParallelPredictor.open(modelPath, Math.max(1, Math.min(settings.threads, Math.ceil(texts.length / 1024))));
  try {
    const { inputs, summary } = await modelInputsOfFile(settings, predictor.header.inputFeatures, input, texts, features);
    const alone = summary === null ? undefined : textAloneRows(inputs, texts);
    const batches = (async function* () {
      for (let start = 0; start < inputs.length; start += PREDICT_BATCH_ROWS) yield inputs.slice(start, start + PREDICT_BATCH_ROWS);
    })();
    await predictAll(ctx.stdout, predictor, await batches.next(), batches, { ...options, ...(alone ? { rowNote: (row: number) => (alone[row] === 1 ? TEXT_ALONE_NOTE : '') } : {}) });
    warnTextAlone(ctx.stderr, summary);
  } finally {
    await predictor.close();
  }
}

/** Rows whose composed input is the text itself: no feature token was added. */
function textAloneRows(inputs: readonly string[], texts: readonly string[]): Uint8Array {
  return Uint8Array.from(inputs, (input, i) => (input === texts[i] ? 1 : 0));
}

/** Predicts batch after batch, writing each batch's lines while the next one is predicted. */
async function predictAll(out: Writable, predictor: ParallelPredictor, head: IteratorResult<string[]>, iterator: AsyncIterator<string[]>, options: PredictOptions): Promise<void> {
  const model = `${predictor.kind}@${predictor.fileSha256.slice(0, 12)}`;
  const classes = predictor.labels.length;
  const k = Math.min(options.top, classes);
  // Two output buffers, used in turn: one batch predicts into one while the other's lines are written.
  const buffers: Float32Array[] = [new Float32Array(0), new Float32Array(0)];
  const ids = new Int32Array(k);
  const scores = new Float32Array(k);
  let turn = 0;

  let offset = 0;
  const predictBatch = async (texts: string[], slot: number, first: number): Promise<string> => {
    const needed = texts.length * classes;
    if (buffers[slot]!.length < needed) buffers[slot] = new Float32Array(new SharedArrayBuffer(Math.max(1, needed) * 4));
    const proba = await predictor.predictProba(texts, buffers[slot], { signal: options.signal });
    const best = new Int32Array(texts.length);
    const lines: string[] = new Array<string>(texts.length);
    for (let i = 0; i < texts.length; i++) {
      const n = topK(proba, i * classes, classes, k, ids, scores);
      best[i] = ids[0]!;
      const list: Array<{ label: string; score: number }> = [];
      for (let j = 0; j < n; j++) list.push({ label: predictor.labels[ids[j]!]!, score: round6(scores[j]!) });
      lines[i] = `{"label":${JSON.stringify(list[0]!.label)},"score":${list[0]!.score},"top":${JSON.stringify(list)},"model":"${model}"${options.rowNote?.(first + i) ?? ''}`;
    }
    if (options.explain) {
      const why = await predictor.explain(texts, best, EXPLAIN_FEATURES, { signal: options.signal });
      for (let i = 0; i < texts.length; i++) lines[i] += `,"explain":${JSON.stringify(why[i]!.map(roundContribution))}`;
    }
    return `${lines.join('}\n')}}\n`;
  };

  // One batch predicts while the previous one is written: threads stay busy, memory stays flat. A
  // batch's lines go out as soon as they are ready, not when the next batch arrives (slow stdin).
  let written: Promise<void> = Promise.resolve();
  try {
    for (let next = head; !next.done; next = await nextUnlessAborted(iterator, options.signal)) {
      const texts = next.value;
      if (texts.length === 0) continue;
      const job = predictBatch(texts, turn, offset);
      offset += texts.length;
      turn ^= 1;
      const previous = written;
      written = (async () => {
        const lines = await job;
        await previous;
        await writeRespectingBackPressure(out, lines);
      })();
      written.catch(() => undefined); // observed below; avoids an unhandled rejection while we wait
      // At most one batch waits to be written while this one predicts (its buffer is then free again).
      await previous;
    }
  } finally {
    await written.catch(() => undefined);
  }
  await written;
}

/** The next batch; once Ctrl-C is pressed, an InterruptedError instead (the input was ended to get here). */
async function nextUnlessAborted(iterator: AsyncIterator<string[]>, signal: AbortSignal): Promise<IteratorResult<string[]>> {
  if (signal.aborted) throw new InterruptedError('prediction');
  let next: IteratorResult<string[]>;
  try {
    next = await iterator.next();
  } catch (e) {
    if (signal.aborted) throw new InterruptedError('prediction');
    throw e;
  }
  if (signal.aborted) throw new InterruptedError('prediction');
  return next;
}

async function closeInput(stream: Readable, iterator: AsyncIterator<string[]>): Promise<void> {
  stream.destroy();
  await iterator.return?.(undefined).catch(() => undefined);
}

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;
const roundContribution = (c: Contribution): Contribution => ({ feature: c.feature, weight: round6(c.weight) });

/** Writes and, when the stream's buffer is full, waits for 'drain' (or fails on a stream error). */
function writeRespectingBackPressure(out: Writable, chunk: string): Promise<void> {
  return new Promise((resolveWrite, reject) => {
    const onError = (e: Error) => { out.off('drain', onDrain); reject(e); };
    const onDrain = () => { out.off('error', onError); resolveWrite(); };
    out.once('error', onError);
    if (out.write(chunk)) { out.off('error', onError); resolveWrite(); } else out.once('drain', onDrain);
  });
}
