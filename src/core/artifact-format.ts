import { ArtifactError } from './errors.js';
import type { StoredThresholds, Top1Calibration } from './confidence-meta.js';
import type { DecisionEvidenceMeta } from './decision-policy.js';
import { sha256Hex } from './hash.js';

/**
 * The model artifact: one self-describing file.
 *
 *   bytes 0..7    magic "LADING\0\n"
 *   bytes 8..11   header length H (uint32 LE)
 *   bytes 12..    header: UTF-8 JSON (ArtifactHeader), padded with spaces to a multiple of 8
 *   then          payload: the typed-array sections, each 8-byte aligned, in header order
 *
 * The header carries the format version and the sha256 of the payload; loading checks both. Nothing
 * time- or machine-dependent goes in, so the same training gives the same bytes.
 *
 * The format lives in core because both sides need it: models write and read artifacts, and the
 * registry (which may import only core) reads the header to record a version's kind, labels and hash.
 */
export const ARTIFACT_FORMAT_VERSION = 1;
const MAGIC = Buffer.from('LADING\0\n', 'latin1');

export type SectionArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array | Int8Array;
export type SectionType = 'f32' | 'f64' | 'i32' | 'u32' | 'u16' | 'u8' | 'i8';

export interface SectionInfo {
  readonly name: string;
  readonly type: SectionType;
  readonly length: number;
  readonly offset: number;
}

export interface InputFeatures {
  readonly columns: readonly string[];
  /**
   * tokens-v1: one hashed token per present value appended to the text; numbers binned by log2.
   * tokens-v2: the same tokens after a separator the model can split on (src/text/feature-tokens.ts).
   */
  readonly encoding: 'tokens-v1' | 'tokens-v2';
}

export interface ArtifactMeta {
  /** Model kind: 'linear', 'fasttext', ... */
  readonly kind: string;
  /** The label names, index = class id. */
  readonly labels: readonly string[];
  /** Everything needed to rebuild the featuriser exactly. */
  readonly featuriser: Readonly<Record<string, unknown>>;
  /** Hyper-parameters of the model itself. */
  readonly params: Readonly<Record<string, unknown>>;
  /**
   * Entity features the model reads besides the text (a training set of `lading features
   * training-set`): their dataset columns (`VIEW:FEATURE`) and how they were turned into input
   * (text/feature-tokens.ts). Absent: the text alone.
   */
  readonly inputFeatures?: InputFeatures;
  readonly training: {
    readonly datasetId?: string;
    readonly datasetSha256?: string;
    readonly labelColumn?: string;
    readonly seed: number;
    readonly upsample: boolean;
    /** Rows the model learnt from: all of them when refit, else the training side of the split. */
    readonly trainRows: number;
    /** Rows held out to choose and measure (the metrics are of the fit without them). */
    readonly validRows: number;
    /** Refit on all rows after the validated fit (absent in artifacts written before refitting existed: false). */
    readonly refit?: boolean;
    /** Rows of the validated fit's training side (absent before refitting existed: trainRows). */
    readonly heldOutFitRows?: number;
    /** What the validated fit chose on the held-out rows and the refit kept (e.g. epochs, temperature). */
    readonly choices?: Readonly<Record<string, number>>;
    /**
     * Rows that only taught (`train --nomenclature`: a nomenclature's official descriptions): where
     * they came from, how many joined every fit, and how many classes only they have examples of.
     */
    readonly referenceRows?: { readonly source: string; readonly sha256: string; readonly rows: number; readonly onlyClasses: number };
  };
  /** Metrics on the validation split (deterministic values only: no timings). */
  readonly metrics: Readonly<Record<string, number>>;
  readonly codeVersion: string;
  /** Applied to every prediction's probabilities; absent: none (older artifacts, imported ONNX models). */
  readonly calibration?: Top1Calibration;
  /** Auto-classification thresholds fitted on validation; absent in older artifacts and imported ONNX models. */
  readonly thresholds?: StoredThresholds;
  /** Decide-or-route evidence: the validation rows in the decision.* sections (core/decision-policy.ts); absent in older artifacts and imported ONNX models. */
  readonly decision?: DecisionEvidenceMeta;
}

export interface ArtifactHeader extends ArtifactMeta {
  readonly format: number;
  readonly payloadSha256: string;
  readonly payloadBytes: number;
  readonly sections: readonly SectionInfo[];
}

export interface LoadedArtifact {
  readonly header: ArtifactHeader;
  readonly sections: ReadonlyMap<string, SectionArray>;
  /** sha256 of the whole file: the identity a registry records. */
  readonly fileSha256: string;
}

const TYPE_OF: Array<[SectionType, new (b: ArrayBuffer, o: number, l: number) => SectionArray, number]> = [
  ['f32', Float32Array, 4], ['f64', Float64Array, 8], ['i32', Int32Array, 4], ['u32', Uint32Array, 4],
  ['u16', Uint16Array, 2], ['u8', Uint8Array, 1], ['i8', Int8Array, 1],
];

function typeOf(a: SectionArray): SectionType {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Uint16Array) return 'u16';
  if (a instanceof Int8Array) return 'i8';
  return 'u8';
}

const align8 = (n: number): number => (n + 7) & ~7;

/** Serialises meta + sections into the artifact bytes. */
export function encodeArtifact(meta: ArtifactMeta, sections: ReadonlyArray<readonly [string, SectionArray]>): Buffer {
  const infos: SectionInfo[] = [];
  let offset = 0;
  for (const [name, arr] of sections) {
    infos.push({ name, type: typeOf(arr), length: arr.length, offset });
    offset = align8(offset + arr.byteLength);
  }
  const payload = Buffer.alloc(offset);
  for (let i = 0; i < sections.length; i++) {
    const arr = sections[i]![1];
    payload.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), infos[i]!.offset);
  }
  const header: ArtifactHeader = {
    format: ARTIFACT_FORMAT_VERSION,
    ...meta,
    payloadSha256: sha256Hex(payload),
    payloadBytes: payload.length,
    sections: infos,
  };
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = align8(12 + json.length) - 12;
  if (padded !== json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const prefix = Buffer.alloc(12);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(json.length, 8);
  return Buffer.concat([prefix, json, payload]);
}

/**
 * Parses and verifies artifact bytes. `where` names the file in errors. `verified`: these very bytes
 * were decoded and verified before (in this process: the serving threads get the bytes the main
 * thread read and hashed, in shared memory), so the two sha256 passes over tens of MB are skipped.
 */
export function decodeArtifact(bytes: Uint8Array, where: string, verified?: { readonly fileSha256: string }): LoadedArtifact {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) {
    throw new ArtifactError('artifact-not-lading', `${where} is not a lading model artifact (bad magic bytes)`, { file: where },
      'Pass a file written by `lading train --out`.');
  }
  const headerLength = buf.readUInt32LE(8);
  if (12 + headerLength > buf.length) {
    throw new ArtifactError('artifact-truncated', `${where} is truncated: its header runs past the end of the file`, { file: where, bytes: buf.length });
  }
  let header: ArtifactHeader;
  try {
    header = JSON.parse(buf.subarray(12, 12 + headerLength).toString('utf8')) as ArtifactHeader;
  } catch (e) {
    throw new ArtifactError('artifact-bad-header', `${where} has an unreadable header`, { file: where }, undefined, { cause: e });
  }
  if (header.format !== ARTIFACT_FORMAT_VERSION) {
    throw new ArtifactError('artifact-format-version',
      `${where} has artifact format ${String(header.format)}; this lading reads format ${ARTIFACT_FORMAT_VERSION}`,
      { file: where, found: String(header.format), expected: ARTIFACT_FORMAT_VERSION },
      'Retrain the model with this version of lading, or use the lading version that wrote it.');
  }
  const payload = buf.subarray(12 + headerLength);
  if (payload.length !== header.payloadBytes) {
    throw new ArtifactError('artifact-truncated', `${where} payload is ${payload.length} bytes; the header says ${header.payloadBytes}`,
      { file: where, found: payload.length, expected: header.payloadBytes });
  }
  const actual = verified === undefined ? sha256Hex(payload) : header.payloadSha256;
  if (actual !== header.payloadSha256) {
    throw new ArtifactError('artifact-hash-mismatch', `${where} is corrupt: payload sha256 ${actual} does not match the recorded ${header.payloadSha256}`,
      { file: where, found: actual, expected: header.payloadSha256 }, 'Re-copy or retrain the model; do not serve this file.');
  }
  // Copy the payload into a fresh, aligned buffer so the typed-array views are aligned.
  const ab = new ArrayBuffer(payload.length);
  new Uint8Array(ab).set(payload);
  const sections = new Map<string, SectionArray>();
  for (const s of header.sections) {
    const t = TYPE_OF.find(([name]) => name === s.type);
    if (!t || s.offset + s.length * t[2] > payload.length) {
      throw new ArtifactError('artifact-bad-section', `${where}: section ${s.name} is malformed`, { file: where, section: s.name });
    }
    sections.set(s.name, new t[1](ab, s.offset, s.length));
  }
  return { header, sections, fileSha256: verified?.fileSha256 ?? sha256Hex(buf) };
}
