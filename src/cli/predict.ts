import { stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { InputError } from '../core/errors.js';
import { tableFormatOf } from '../data/file-format.js';
import { readTextsFile } from '../data/read-texts.js';
import { firstInvalidUtf8Offset } from '../data/utf8.js';
import type { Contribution } from '../models/classifier.js';
import { ParallelPredictor } from '../models/parallel-predict.js';
import { topK } from '../models/top-k.js';
import { intFlag, parseVerbArgs, requireFlag } from './args.js';
import { COMMON_HELP, COMMON_OPTIONS, type Verb } from './context.js';
import { writeLine } from './output.js';

const OPTIONS = {
  ...COMMON_OPTIONS,
  model: { type: 'string' },
  input: { type: 'string' },
  text: { type: 'string' },
  top: { type: 'string' },
  explain: { type: 'boolean', default: false },
} as const;

/** Texts predicted per step; with one step in flight and one being written, memory stays flat. */
export const PREDICT_BATCH_ROWS = 4096;
const EXPLAIN_FEATURES = 10;

export const verb: Verb = {
  summary: 'classify texts (one per line, or a CSV/JSONL text column) and write JSON lines',
  help: `Usage: lading predict --model PATH [--input FILE] [options] > predictions.jsonl

Reads texts from --input or stdin and writes one JSON object per text to stdout, in input order:
  {"label":"392410","score":0.93,"top":[{"label":"392410","score":0.93},...],"model":"fasttext@1a2b3c4d5e6f"}
"model" is the kind and the first 12 hex digits of the artifact's sha256. A .csv/.jsonl/.ndjson file
is read as a table (texts from --text, default "text"); any other file and stdin are plain text, one
text per line (blank lines are empty texts, so output line k answers input line k). Plain text is
streamed in batches of ${PREDICT_BATCH_ROWS} lines, so inputs of any size run in flat memory.

Options:
  --model PATH   model artifact written by \`lading train\`
  --input FILE   texts to classify (default: stdin)
  --text COL     text column of a CSV/JSONL input (default: text)
  --top K        how many best labels to list in "top" (default: 1)
  --explain      add "explain": the ${EXPLAIN_FEATURES} features that pushed the text towards its label
${COMMON_HELP}`,

  async run(ctx) {
    const { values } = parseVerbArgs('predict', ctx.argv, OPTIONS, false);
    if (values.help) {
      writeLine(ctx.stdout, this.help);
      return 0;
    }
    const modelPath = resolve(requireFlag('predict', values.model, '--model'));
    const top = intFlag('predict', values.top, '--top', 1, 1, 10_000);
    const settings = ctx.settings(values);
    const input = values.input === undefined ? undefined : resolve(values.input);

    // Tables are read whole (and validated) before the model loads, so a bad file costs nothing.
    let batches: AsyncIterable<string[]>;
    if (input !== undefined && tableFormatOf(input) !== undefined) {
      batches = sliceBatches(await readTextsFile(input, values.text), PREDICT_BATCH_ROWS);
    } else {
      const stream = input === undefined ? ctx.stdin : await openInputStream(input);
      batches = lineBatches(stream, PREDICT_BATCH_ROWS, input ?? '<stdin>');
    }

    // The model opens once the first batch is in: a short input (one partial batch) then starts
    // only the threads it can use, since starting a thread costs more than a few hundred texts.
    const iterator = batches[Symbol.asyncIterator]();
    const head = await iterator.next();
    const firstBatch = head.done ? [] : head.value;
    const threads = firstBatch.length < PREDICT_BATCH_ROWS ? Math.max(1, Math.min(settings.threads, Math.ceil(firstBatch.length / 1024))) : settings.threads;
    const predictor = await ParallelPredictor.open(modelPath, threads).catch(async (e: unknown) => {
      await iterator.return?.();
      throw e;
    });
    try {
      const model = `${predictor.kind}@${predictor.fileSha256.slice(0, 12)}`;
      const classes = predictor.labels.length;
      const k = Math.min(top, classes);
      // Every later batch is at most as long as the first (only the last one can be shorter).
      const buffers = [0, 1].map(() => new Float32Array(new SharedArrayBuffer(Math.max(1, firstBatch.length) * classes * 4)));
      const ids = new Int32Array(k);
      const scores = new Float32Array(k);
      let turn = 0;

      const predictBatch = async (texts: string[], buffer: Float32Array): Promise<string> => {
        const proba = await predictor.predictProba(texts, buffer, { signal: ctx.signal });
        const best = new Int32Array(texts.length);
        const lines: string[] = new Array<string>(texts.length);
        for (let i = 0; i < texts.length; i++) {
          const n = topK(proba, i * classes, classes, k, ids, scores);
          best[i] = ids[0]!;
          const list: Array<{ label: string; score: number }> = [];
          for (let j = 0; j < n; j++) list.push({ label: predictor.labels[ids[j]!]!, score: round6(scores[j]!) });
          lines[i] = `{"label":${JSON.stringify(list[0]!.label)},"score":${list[0]!.score},"top":${JSON.stringify(list)},"model":"${model}"`;
        }
        if (values.explain) {
          const why = await predictor.explain(texts, best, EXPLAIN_FEATURES, { signal: ctx.signal });
          for (let i = 0; i < texts.length; i++) lines[i] += `,"explain":${JSON.stringify(why[i]!.map(roundContribution))}`;
        }
        return `${lines.join('}\n')}}\n`;
      };

      // One batch predicts while the previous one is written: threads stay busy, memory stays flat.
      let pending: Promise<string> | undefined;
      for (let next = head; !next.done; next = await iterator.next()) {
        const texts = next.value;
        if (texts.length === 0) continue;
        const job = predictBatch(texts, buffers[turn]!);
        turn ^= 1;
        job.catch(() => undefined); // observed below; avoids an unhandled rejection while we wait
        if (pending) await writeRespectingBackPressure(ctx.stdout, await pending);
        pending = job;
      }
      if (pending) await writeRespectingBackPressure(ctx.stdout, await pending);
    } finally {
      await iterator.return?.();
      await predictor.close();
    }
    return 0;
  },
};

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;
const roundContribution = (c: Contribution): Contribution => ({ feature: c.feature, weight: round6(c.weight) });

async function* sliceBatches(texts: readonly string[], size: number): AsyncGenerator<string[]> {
  for (let i = 0; i < texts.length; i += size) yield texts.slice(i, i + size);
}

async function openInputStream(path: string): Promise<Readable> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new InputError('not-a-file', `${path} is a folder, not a file`, { file: path });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError('file-not-found', `${path}: no such file`, { file: path }, 'Check the path given to --input.');
    if (code === 'EACCES') throw new InputError('file-not-readable', `${path}: permission denied`, { file: path });
    throw e;
  }
  return createReadStream(path);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Plain text, one text per line (LF or CRLF), as batches of at most `size` lines, decoded as strict
 * UTF-8 (a leading BOM is dropped). A final line break does not start another text, as in
 * readTextsFile, so streaming and whole-file reading agree.
 */
export async function* lineBatches(stream: Readable, size: number, source: string): AsyncGenerator<string[]> {
  let carry: Buffer = Buffer.alloc(0);
  let linesBefore = 0;
  let first = true;
  let batch: string[] = [];
  const decode = (bytes: Buffer): string => {
    let b = bytes;
    if (first) {
      first = false;
      if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
    }
    try {
      return strictUtf8.decode(b);
    } catch {
      const at = Math.max(0, firstInvalidUtf8Offset(b));
      let line = linesBefore + 1;
      for (let i = 0; i < at; i++) if (b[i] === 0x0a) line++;
      throw new InputError('invalid-utf8', `${source}: line ${line} is not valid UTF-8`, { file: source, row: line },
        'Save the input as UTF-8 (e.g. `iconv -f latin1 -t utf-8`).');
    }
  };
  const take = (text: string): void => {
    const lines = text.split('\n');
    linesBefore += lines.length;
    for (const l of lines) batch.push(l.endsWith('\r') ? l.slice(0, -1) : l);
  };
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
    const data = carry.length > 0 ? Buffer.concat([carry, bytes]) : bytes;
    const lastBreak = data.lastIndexOf(0x0a);
    if (lastBreak < 0) { carry = data; continue; }
    take(decode(data.subarray(0, lastBreak)));
    carry = Buffer.from(data.subarray(lastBreak + 1));
    while (batch.length >= size) {
      yield batch.slice(0, size);
      batch = batch.slice(size);
    }
  }
  if (carry.length > 0) take(decode(carry));
  while (batch.length > 0) {
    yield batch.slice(0, size);
    batch = batch.slice(size);
  }
}

/** Writes and, when the stream's buffer is full, waits for 'drain' (or fails on a stream error). */
function writeRespectingBackPressure(out: Writable, chunk: string): Promise<void> {
  return new Promise((resolveWrite, reject) => {
    const onError = (e: Error) => { out.off('drain', onDrain); reject(e); };
    const onDrain = () => { out.off('error', onError); resolveWrite(); };
    out.once('error', onError);
    if (out.write(chunk)) { out.off('error', onError); resolveWrite(); } else out.once('drain', onDrain);
  });
}
