import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { servingSettings, type ServedModel } from '../monitoring/serving-fixture.js';
import { startServingProcess } from '../../src/platform/index.js';
import { openDashboardBrowser, type DashboardBrowser } from './browser.js';
import { ENDPOINT, MODEL, seededHome, TOKEN } from './ui-fixture.js';

// The analysis pages (lineage, a version's evaluation) over lading serve with a token: read without
// the token, screenshots at 1280x800 and 390x844 under test-output/ui/.
describe('the dashboard\'s lineage and evaluation pages in a real browser', { timeout: 90_000 }, () => {
  let served: Pick<ServedModel, 'url' | 'close'>;
  let b: DashboardBrowser;
  let page: Page;

  before(async () => {
    b = await openDashboardBrowser();
    page = b.page;
    const { home } = await seededHome();
    served = await startServingProcess(servingSettings({ home, token: TOKEN }), { deployments: [ENDPOINT] });
  });
  after(async () => {
    await b?.browser.close();
    await served?.close();
  });
  const open = (hash: string) => b.open(served.url, hash);

  it('Lineage shows each version with the deployment variants and aliases it served in, and a timeline', async () => {
    await open(`lineage/${MODEL}`);
    await page.locator('table.lineage tr[data-version="1"]').waitFor();
    assert.deepEqual(await page.locator('table.lineage tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-version'))), ['3', '2', '1']);
    assert.match(await page.locator('tr[data-version="1"]').innerText(), /hs\/a rev 1 \(weight 1\)[\s\S]*hs\/a rev 2 \(weight 9\)[\s\S]*→ now[\s\S]*champion/);
    assert.match(await page.locator('tr[data-version="2"]').innerText(), /hs\/b rev 2 \(weight 1\)/);
    assert.match(await page.locator('tr[data-version="3"]').innerText(), /never deployed/);
    assert.match(await page.locator('article[data-dataset="none"] h3').innerText(), /No dataset version recorded/);
    const lanes = await page.locator('.timeline .lane').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-lane')));
    assert.deepEqual(lanes, ['1 hs/a', '1 @champion', '2 hs/b']);
    await b.shot('lineage-1280');
  });

  it('a version number opens its evaluation: headline figures, HS levels, both plots, a sortable and filterable per-label table', async () => {
    await page.locator('tr[data-version="2"] a[title="evaluation"]').click();
    await page.locator('ul.figures').waitFor();
    assert.match(page.url(), /#\/evaluation\/hs-codes\/2$/);
    const figures = await page.locator('ul.figures').innerText();
    assert.match(figures, /Accuracy\s+\d+\.\d%/);
    assert.match(figures, /HS2 chapter\s+\d+\.\d%[\s\S]*HS4 heading\s+\d+\.\d%[\s\S]*HS6 subheading\s+\d+\.\d%/);
    assert.equal(await page.locator('figure.xy-plot svg').count(), 2);
    assert.ok(await page.locator('figure.xy-plot rect.bar').count() >= 1, 'the reliability diagram has bars');
    assert.ok(await page.locator('figure.xy-plot circle.point').count() >= 3, 'the coverage curve has points');
    assert.equal(await page.locator('table.decisions tbody tr').count(), 3);
    const rows = page.locator('table.per-class tbody tr');
    assert.equal(await rows.count(), 12);
    const answered = async () => rows.evaluateAll((trs) => trs.map((tr) => Number(tr.children[1]!.textContent)));
    const desc = await answered();
    assert.deepEqual(desc, [...desc].sort((x, y) => y - x));
    await page.locator('button.sort[data-column="answered"]').click();
    const asc = await answered();
    assert.deepEqual(asc, [...desc].sort((x, y) => x - y));
    const first = await page.locator('table.per-class tbody tr').first().getAttribute('data-label');
    await page.fill('input[name="label-filter"]', first!);
    await page.waitForFunction("document.querySelectorAll('table.per-class tbody tr').length === 1");
    await page.fill('input[name="label-filter"]', '');
    await b.shot('evaluation-1280');
  });

  it('both pages fit a phone (390x844) without console errors', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [p, ready] of [[`lineage/${MODEL}`, 'table.lineage'], [`evaluation/${MODEL}/2`, 'table.per-class']] as const) {
      await open(p);
      await page.locator(ready).waitFor();
      await page.waitForTimeout(200);
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      assert.ok(overflow <= 0, `page ${p} is ${overflow}px wider than the phone`);
      await b.shot(`${p.split('/')[0]}-390`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    assert.deepEqual(b.errors, []);
  });

  it('an unknown version says which one is missing', async () => {
    await open(`evaluation/${MODEL}/9`);
    assert.match(await page.locator('main .notice').innerText(), /model "hs-codes" has no version 9/);
  });
});
