import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { computeDatasetStats } from '../../src/data/dataset-stats.js';
import { readLabelledFile } from '../../src/data/read-labelled-file.js';

const GROCERY = new URL('../../../../shared/datasets/grocery/train.csv', import.meta.url).pathname;

describe('real data: grocery/train.csv', () => {
  it('reads 38,816 rows with 133 aisles and 20 departments', async () => {
    assert.ok(existsSync(GROCERY), `the shared dataset ${GROCERY} is missing: it is always present in CI (/work/shared/datasets); restore it`);
    const rows = await readLabelledFile(GROCERY, { text: 'text', labels: ['label', 'label_department'] });
    assert.equal(rows.texts.length, 38_816);
    const stats = computeDatasetStats(rows);
    assert.equal(stats.classes['label'], 133);
    assert.equal(stats.classes['label_department'], 20);
  });
});
