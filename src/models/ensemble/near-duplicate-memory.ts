import { ArtifactError } from '../../core/errors.js';
import type { SectionArray } from '../artifact.js';
import { nearDuplicateTokens } from './near-duplicate-key.js';
import { fnv1a32 } from '../../text/string-hash.js';

/**
 * Near-duplicate memory: the training texts, folded by nearDuplicateTokens, deduplicated into
 * documents (one per distinct token set, with the labels its rows carried), and searched by
 * IDF-weighted cosine over token sets through an inverted index. A query's k nearest documents vote
 * for their labels, weighted by similarity^power.
 *
 * Cost: postings are walked only for tokens in at most `postingCap` documents (the rare ones that
 * find candidates); common tokens ("plastic") still count in the similarity, added per candidate by
 * a binary search in its sorted token list. So a query costs roughly its rare postings, not the corpus.
 */
export interface MemoryParts {
  /** Token hashes, ascending; index = token id. */
  readonly tokenHash: Uint32Array;
  readonly idf: Float32Array;
  /** Postings: documents of token t are postDoc[postPtr[t] .. postPtr[t + 1]). */
  readonly postPtr: Uint32Array;
  readonly postDoc: Int32Array;
  /** Tokens of document d, ascending ids: docTok[docTokPtr[d] .. docTokPtr[d + 1]). */
  readonly docTokPtr: Uint32Array;
  readonly docTok: Int32Array;
  readonly docNorm: Float32Array;
  /** Labels of document d with their share of its rows: docLabel/docShare[docLabelPtr[d] .. +1). */
  readonly docLabelPtr: Uint32Array;
  readonly docLabel: Int32Array;
  readonly docShare: Float32Array;
}

export interface MemorySettings {
  readonly neighbours: number;
  readonly power: number;
  readonly postingCap: number;
}

/** What the memory says about one text; arrays hold `count` labels, strongest vote first. */
export interface MemoryVote {
  count: number;
  readonly labels: Int32Array;
  readonly share: Float32Array;
  /** The similarity of the nearest document that carries the label. */
  readonly bestSim: Float32Array;
  /** Similarity of the nearest document overall (0 when nothing shares a token). */
  topSim: number;
  /** Share of the text's folded tokens the memory has never seen. */
  oovShare: number;
  /** Folded tokens in the text. */
  tokens: number;
}

export function buildMemory(texts: readonly string[], y: Int32Array): MemoryParts {
  // Documents: distinct sorted token-hash sets.
  const docOf = new Map<string, number>();
  const docHashes: Uint32Array[] = [];
  const docLabels: Array<Map<number, number>> = [];
  for (let i = 0; i < texts.length; i++) {
    const hashes = Uint32Array.from(new Set(nearDuplicateTokens(texts[i]!).map(fnv1a32))).sort();
    const key = hashes.join(',');
    let d = docOf.get(key);
    if (d === undefined) {
      d = docHashes.length;
      docOf.set(key, d);
      docHashes.push(hashes);
      docLabels.push(new Map());
    }
    const m = docLabels[d]!;
    m.set(y[i]!, (m.get(y[i]!) ?? 0) + 1);
  }
  const df = new Map<number, number>();
  for (const h of docHashes) for (const t of h) df.set(t, (df.get(t) ?? 0) + 1);
  const tokenHash = Uint32Array.from(df.keys()).sort();
  const idOf = new Map<number, number>();
  tokenHash.forEach((h, i) => idOf.set(h, i));
  const docs = docHashes.length;
  const idf = Float32Array.from(tokenHash, (h) => Math.log((docs + 1) / (df.get(h)! + 0.5)));
  const postPtr = new Uint32Array(tokenHash.length + 1);
  for (let t = 0; t < tokenHash.length; t++) postPtr[t + 1] = postPtr[t]! + df.get(tokenHash[t]!)!;
  const postDoc = new Int32Array(postPtr[tokenHash.length]!);
  const fill = postPtr.slice(0, tokenHash.length);
  const docTokPtr = new Uint32Array(docs + 1);
  const docTok = new Int32Array(postDoc.length);
  const docNorm = new Float32Array(docs);
  const docLabelPtr = new Uint32Array(docs + 1);
  for (let d = 0; d < docs; d++) docLabelPtr[d + 1] = docLabelPtr[d]! + docLabels[d]!.size;
  const docLabel = new Int32Array(docLabelPtr[docs]!);
  const docShare = new Float32Array(docLabel.length);
  for (let d = 0; d < docs; d++) {
    const ids = Int32Array.from(docHashes[d]!, (h) => idOf.get(h)!).sort();
    docTok.set(ids, docTokPtr[d]!);
    docTokPtr[d + 1] = docTokPtr[d]! + ids.length;
    let norm = 0;
    for (const t of ids) { postDoc[fill[t]!++] = d; norm += idf[t]! * idf[t]!; }
    docNorm[d] = Math.sqrt(norm);
    const entries = [...docLabels[d]!.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const total = entries.reduce((s, e) => s + e[1], 0);
    entries.forEach(([label, n], j) => { docLabel[docLabelPtr[d]! + j] = label; docShare[docLabelPtr[d]! + j] = n / total; });
  }
  return { tokenHash, idf, postPtr, postDoc, docTokPtr, docTok, docNorm, docLabelPtr, docLabel, docShare };
}

const SECTIONS = ['tokenHash', 'idf', 'postPtr', 'postDoc', 'docTokPtr', 'docTok', 'docNorm', 'docLabelPtr', 'docLabel', 'docShare'] as const;

export function memorySections(m: MemoryParts, prefix: string): Array<[string, SectionArray]> {
  return SECTIONS.map((name) => [`${prefix}${name}`, m[name]]);
}

export function memoryFromSections(sections: ReadonlyMap<string, SectionArray>, prefix: string): MemoryParts {
  const get = (name: typeof SECTIONS[number]): SectionArray => {
    const s = sections.get(`${prefix}${name}`);
    if (s === undefined) throw new ArtifactError('artifact-bad-section', `ensemble artifact lacks section ${prefix}${name}`, { section: `${prefix}${name}` });
    return s;
  };
  const parts = Object.fromEntries(SECTIONS.map((n) => [n, get(n)])) as unknown as MemoryParts;
  const docs = parts.docNorm.length;
  if (parts.postPtr.length !== parts.tokenHash.length + 1 || parts.docTokPtr.length !== docs + 1 || parts.docLabelPtr.length !== docs + 1
    || parts.postPtr[parts.tokenHash.length] !== parts.postDoc.length || parts.docTokPtr[docs] !== parts.docTok.length
    || parts.docLabelPtr[docs] !== parts.docLabel.length || parts.docShare.length !== parts.docLabel.length) {
    throw new ArtifactError('artifact-bad-section', 'ensemble artifact: near-duplicate memory sections disagree in length', { section: `${prefix}*` });
  }
  return parts;
}

/** Searches one memory; holds scratch arrays, so one instance per thread. */
export class MemorySearch {
  private readonly score: Float32Array;
  private readonly touched: Int32Array;
  private readonly best: Int32Array;
  private readonly bestSim: Float32Array;
  private readonly vote: Float32Array;
  private readonly voteBest: Float32Array;
  private readonly voted: Int32Array;
  private readonly idOf = new Map<number, number>();

  constructor(readonly parts: MemoryParts, readonly classes: number, readonly settings: MemorySettings) {
    this.score = new Float32Array(parts.docNorm.length);
    this.touched = new Int32Array(parts.docNorm.length);
    this.best = new Int32Array(settings.neighbours);
    this.bestSim = new Float32Array(settings.neighbours);
    this.vote = new Float32Array(classes);
    this.voteBest = new Float32Array(classes);
    this.voted = new Int32Array(classes);
    parts.tokenHash.forEach((h, i) => this.idOf.set(h, i));
  }

  /** Fills `out` with the vote of the text's nearest documents. */
  query(text: string, out: MemoryVote): void {
    const p = this.parts;
    const folded = nearDuplicateTokens(text);
    const hashes = [...new Set(folded.map(fnv1a32))];
    const unseenIdf = Math.log((p.docNorm.length + 1) / 0.5);
    const known: number[] = [];
    let qNorm = 0;
    for (const h of hashes) {
      const t = this.idOf.get(h);
      if (t === undefined) { qNorm += unseenIdf * unseenIdf; continue; }
      known.push(t);
      qNorm += p.idf[t]! * p.idf[t]!;
    }
    out.tokens = folded.length;
    out.oovShare = hashes.length === 0 ? 1 : (hashes.length - known.length) / hashes.length;
    out.count = 0;
    out.topSim = 0;
    if (known.length === 0) return;
    known.sort((a, b) => (p.postPtr[a + 1]! - p.postPtr[a]!) - (p.postPtr[b + 1]! - p.postPtr[b]!) || a - b);
    // Rare tokens find the candidates (the rarest always does, however common it is).
    let touched = 0;
    let walked = 0;
    for (; walked < known.length; walked++) {
      const t = known[walked]!;
      const from = p.postPtr[t]!;
      const to = p.postPtr[t + 1]!;
      if (walked > 0 && to - from > this.settings.postingCap) break;
      const w = p.idf[t]! * p.idf[t]!;
      for (let j = from; j < to; j++) {
        const d = p.postDoc[j]!;
        if (this.score[d] === 0) this.touched[touched++] = d;
        this.score[d] = this.score[d]! + w;
      }
    }
    // Common tokens add to the candidates that hold them.
    for (let i = walked; i < known.length; i++) {
      const t = known[i]!;
      const w = p.idf[t]! * p.idf[t]!;
      for (let j = 0; j < touched; j++) {
        const d = this.touched[j]!;
        if (hasToken(p.docTok, p.docTokPtr[d]!, p.docTokPtr[d + 1]!, t)) this.score[d] = this.score[d]! + w;
      }
    }
    const k = this.settings.neighbours;
    let found = 0;
    const qn = Math.sqrt(qNorm);
    for (let j = 0; j < touched; j++) {
      const d = this.touched[j]!;
      const sim = this.score[d]! / (qn * p.docNorm[d]!);
      this.score[d] = 0;
      if (found === k && (sim < this.bestSim[k - 1]! || (sim === this.bestSim[k - 1]! && d > this.best[k - 1]!))) continue;
      let at = found < k ? found++ : k - 1;
      while (at > 0 && (this.bestSim[at - 1]! < sim || (this.bestSim[at - 1] === sim && this.best[at - 1]! > d))) {
        this.bestSim[at] = this.bestSim[at - 1]!; this.best[at] = this.best[at - 1]!; at--;
      }
      this.bestSim[at] = sim; this.best[at] = d;
    }
    this.tally(found, out);
  }

  private tally(found: number, out: MemoryVote): void {
    const p = this.parts;
    let labels = 0;
    let total = 0;
    for (let j = 0; j < found; j++) {
      const d = this.best[j]!;
      const sim = this.bestSim[j]!;
      const w = Math.pow(sim, this.settings.power);
      total += w;
      for (let q = p.docLabelPtr[d]!; q < p.docLabelPtr[d + 1]!; q++) {
        const c = p.docLabel[q]!;
        if (this.vote[c] === 0 && this.voteBest[c] === 0) this.voted[labels++] = c;
        this.vote[c] = this.vote[c]! + w * p.docShare[q]!;
        if (sim > this.voteBest[c]!) this.voteBest[c] = sim;
      }
    }
    out.topSim = found > 0 ? this.bestSim[0]! : 0;
    // Strongest first (ties: lower class id), at most out.labels.length.
    const order = Array.from(this.voted.subarray(0, labels)).sort((a, b) => this.vote[b]! - this.vote[a]! || a - b);
    const n = Math.min(order.length, out.labels.length);
    for (let j = 0; j < n; j++) {
      const c = order[j]!;
      out.labels[j] = c;
      out.share[j] = total > 0 ? this.vote[c]! / total : 0;
      out.bestSim[j] = this.voteBest[c]!;
    }
    out.count = n;
    for (const c of order) { this.vote[c] = 0; this.voteBest[c] = 0; }
  }
}

function hasToken(tokens: Int32Array, from: number, to: number, t: number): boolean {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = tokens[mid]!;
    if (v === t) return true;
    if (v < t) lo = mid + 1; else hi = mid;
  }
  return false;
}

export function emptyVote(maxLabels: number): MemoryVote {
  return { count: 0, labels: new Int32Array(maxLabels), share: new Float32Array(maxLabels), bestSim: new Float32Array(maxLabels), topSim: 0, oovShare: 0, tokens: 0 };
}
