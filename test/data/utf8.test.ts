import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/core/errors.js';
import { createRandom } from '../../src/core/random.js';
import { decodeUtf8Strict, firstInvalidUtf8Offset } from '../../src/data/utf8.js';

describe('decodeUtf8Strict', () => {
  it('drops a BOM and decodes multi-byte text', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('café, 東京, 🚲', 'utf8')]);
    assert.equal(decodeUtf8Strict(bytes, 'f.csv'), 'café, 東京, 🚲');
  });

  it('names the line and byte where the bytes stop being UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('text,label\nok,1\nbad ', 'utf8'), Buffer.from([0xe9]), Buffer.from(' latin1,2\n', 'utf8')]);
    assert.throws(() => decodeUtf8Strict(bytes, 'f.csv'), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.code, 'invalid-utf8');
      assert.equal(e.facts['file'], 'f.csv');
      assert.equal(e.facts['row'], 3);
      assert.equal(e.facts['byteOffset'], 20);
      assert.match(e.message, /f\.csv: line 3 is not valid UTF-8 \(byte 0xe9 at file offset 20, byte 5 of the line\)/);
      return true;
    });
  });
});

describe('firstInvalidUtf8Offset', () => {
  it('agrees with TextDecoder on random byte strings', () => {
    const random = createRandom(7);
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    for (let trial = 0; trial < 3000; trial++) {
      const bytes = new Uint8Array(1 + random.int(12));
      // Bias toward bytes that form (or almost form) multi-byte sequences.
      for (let i = 0; i < bytes.length; i++) bytes[i] = random.next() < 0.5 ? 0x80 + random.int(0x80) : random.int(0x100);
      let valid = true;
      try { decoder.decode(bytes); } catch { valid = false; }
      const offset = firstInvalidUtf8Offset(bytes);
      assert.equal(offset === -1, valid, `bytes ${Buffer.from(bytes).toString('hex')}`);
      if (!valid) {
        // Everything before the offset is valid on its own.
        assert.doesNotThrow(() => decoder.decode(bytes.subarray(0, offset)));
      }
    }
  });

  it('rejects overlong forms, surrogates and code points above U+10FFFF', () => {
    assert.equal(firstInvalidUtf8Offset(Uint8Array.from([0x41, 0xc0, 0x80])), 1);
    assert.equal(firstInvalidUtf8Offset(Uint8Array.from([0xed, 0xa0, 0x80])), 0);
    assert.equal(firstInvalidUtf8Offset(Uint8Array.from([0xf4, 0x90, 0x80, 0x80])), 0);
    assert.equal(firstInvalidUtf8Offset(Uint8Array.from([0xe2, 0x82])), 0);
    assert.equal(firstInvalidUtf8Offset(Buffer.from('€𝄞', 'utf8')), -1);
  });
});
