import { leb, name, section, Wasm, type WasmMemory } from '../simd/wasm-bytes.js';

/**
 * The weighted sum of a text's int8 embedding rows in WebAssembly SIMD:
 *   for each (rowAddress i32, factor f32) pair in [list, listEnd): hidden[0..dim) += factor × row
 * sixteen int8 values per load, widened to four f32x4. Measured on HS4 the scalar JS sum of about
 * 60 rows per text was the largest part of a prediction. Rows are padded to a multiple of 16 bytes;
 * hidden spans [hidden, hiddenEnd), a multiple of 64 bytes; the caller zeroes it first.
 */
const I32 = 0x7f, V128 = 0x7b;
const GET = 0x20, SET = 0x21, TEE = 0x22, I32_CONST = 0x41, I32_ADD = 0x6a, I32_LT_U = 0x49;
const I32_LOAD = 0x28, F32_LOAD = 0x2a;
const LOOP = 0x03, END = 0x0b, BR_IF = 0x0d, VOID = 0x40;
const simd = (op: number): number[] => [0xfd, ...leb(op)];
const load = (offset: number): number[] => [...simd(0x00), 0, ...leb(offset)];
const store = (offset: number): number[] => [...simd(0x0b), 0, ...leb(offset)];
const F32X4_SPLAT = simd(0x13), F32X4_ADD = simd(0xe4), F32X4_MUL = simd(0xe6), F32X4_CONVERT_I32X4_S = simd(0xfa);
const I16X8_LOW = simd(0x87), I16X8_HIGH = simd(0x88), I32X4_LOW = simd(0xa7), I32X4_HIGH = simd(0xa8);

// Params: 0 list, 1 listEnd, 2 hidden, 3 hiddenEnd. Locals: 4 row, 5 h (i32); 6 f, 7 q, 8 w (v128).
const LIST = 0, LIST_END = 1, HID = 2, HID_END = 3, ROW = 4, H = 5, F = 6, Q = 7, W = 8;

function body(): number[] {
  // hidden[h + 16k .. +16) += f × convert(lanes of W picked by `half`).
  const accumulate = (k: number, half: number[]): number[] => [
    GET, H, GET, H, ...load(16 * k), GET, W, ...half, ...F32X4_CONVERT_I32X4_S, GET, F, ...F32X4_MUL, ...F32X4_ADD, ...store(16 * k),
  ];
  const code: number[] = [
    LOOP, VOID,
    GET, LIST, I32_LOAD, 2, 0, SET, ROW,
    GET, LIST, F32_LOAD, 2, 4, ...F32X4_SPLAT, SET, F,
    GET, HID, SET, H,
    LOOP, VOID,
    GET, ROW, ...load(0), SET, Q,
    GET, Q, ...I16X8_LOW, SET, W,
    ...accumulate(0, I32X4_LOW), ...accumulate(1, I32X4_HIGH),
    GET, Q, ...I16X8_HIGH, SET, W,
    ...accumulate(2, I32X4_LOW), ...accumulate(3, I32X4_HIGH),
    // i32.const operands are signed LEB128: 64 is 0xc0 0x00.
    GET, ROW, I32_CONST, 16, I32_ADD, SET, ROW,
    GET, H, I32_CONST, 0xc0, 0x00, I32_ADD, TEE, H, GET, HID_END, I32_LT_U, BR_IF, 0,
    END,
    GET, LIST, I32_CONST, 8, I32_ADD, TEE, LIST, GET, LIST_END, I32_LT_U, BR_IF, 0,
    END,
    END,
  ];
  const locals = [2, 2, I32, 3, V128];
  return [...leb(locals.length + code.length), ...locals, ...code];
}

function moduleBytes(): Uint8Array {
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 4, I32, I32, I32, I32, 0]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, ...leb(1)]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('gather'), 0x00, 0]),
    ...section(10, [1, ...body()]),
  ]);
}

let compiled: object | undefined;

/** gather(list, listEnd, hidden, hiddenEnd) over a non-shared memory. */
export function gatherKernel(memory: WasmMemory): (list: number, listEnd: number, hidden: number, hiddenEnd: number) => void {
  compiled ??= new Wasm.Module(moduleBytes());
  const instance = new Wasm.Instance(compiled, { env: { memory } });
  return instance.exports['gather'] as (list: number, listEnd: number, hidden: number, hiddenEnd: number) => void;
}
