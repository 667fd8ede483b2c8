/**
 * The few pieces every hand-assembled WebAssembly kernel needs (LEB128, sections, names, the
 * WebAssembly API the project's TypeScript lib does not declare). The kernels are assembled byte by
 * byte so no toolchain is needed at build time; see fasttext/simd-*.ts and simd/axpy-rows.ts.
 */
export interface WasmMemory { readonly buffer: ArrayBuffer | SharedArrayBuffer }

export interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

export const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Rounds up to a whole number of 4-lane vectors (at least one). */
export const roundUp4 = (n: number): number => Math.max(4, (n + 3) & ~3);

/** Unsigned LEB128. */
export function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}

export function name(s: string): number[] {
  return [...leb(s.length), ...Buffer.from(s, 'utf8')];
}
