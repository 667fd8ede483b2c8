import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { classify, servingSettings, type ServedModel } from '../monitoring/serving-fixture.js';
import { startServingProcess, startUiProcess } from '../../src/platform/index.js';
import { openDashboardBrowser, type DashboardBrowser } from './browser.js';
import { ENDPOINT, MODEL, PIPELINE, runPipelineForReal, seededHome, TOKEN, uiSettings, type PipelineRunOutput } from './ui-fixture.js';

interface QueueItem { id: number; text: string; state: string; suggestions: Array<{ label: string }>; answer: { label: string; actor: string; suggestion: number | null } | null }

// The pages added for issue 16 (lineage, a version's evaluation, the review queue, pipelines) over lading serve
// with a token and every answer routed to review: read without the token, answers only with it;
// screenshots at 1280x800 and 390x844 under test-output/ui/.
describe('the dashboard\'s lineage, evaluation, review and pipelines pages in a real browser', { timeout: 150_000 }, () => {
  let served: Pick<ServedModel, 'url' | 'close'>;
  let b: DashboardBrowser;
  let page: Page;
  let sample: ReadonlyArray<{ text: string; label: string }> = [];
  let home: string;
  /** The item answered by accepting its second suggestion: a known confusion (true label, the model's answer, the version answering). */
  let confusion: { trueLabel: string; answered: string; version: string } | undefined;

  /** The labelled lines the models were trained on: the pipeline run imports some of them. */
  let lines: ReadonlyArray<{ text: string; label: string }> = [];

  before(async () => {
    b = await openDashboardBrowser();
    page = b.page;
    ({ home, lines } = await seededHome());
    sample = lines.slice(0, 3);
    // Every answer routed: with --review-below 1 an answer of the canary's model whose score rounds to
    // exactly 1 (float32) is not below it, so a text sent to that variant (1 in 10) was missing.
    served = await startServingProcess(servingSettings({ home, token: TOKEN }), { deployments: [ENDPOINT] }, { reviewRoutes: () => true });
  });
  after(async () => {
    await b?.browser.close();
    await served?.close();
  });
  const open = (hash: string) => b.open(served.url, hash);
  const queueItem = async (id: number) => ((await (await fetch(`${served.url}/v1/review/${id}`)).json()) as { item: QueueItem }).item;

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

  it('Review lists the routed texts; an answer without the token is refused and changes nothing', async () => {
    for (const [i, line] of sample.entries()) assert.equal((await classify(served.url, [line.text], `review-${i}`)).status, 200);
    // The observer routes logged answers to the queue in the background.
    let items: QueueItem[] = [];
    for (const started = Date.now(); items.length < sample.length && Date.now() - started < 15_000; await new Promise((r) => setTimeout(r, 200))) {
      items = ((await (await fetch(`${served.url}/v1/review?endpoint=${ENDPOINT}`)).json()) as { items: QueueItem[] }).items;
    }
    assert.equal(items.length, sample.length, 'every classified text is in the queue');
    await open(`review/${ENDPOINT}`);
    await page.locator('.review-item').first().waitFor();
    assert.equal(await page.locator('.review-item[data-state="open"]').count(), sample.length);
    const first = items[0]!;
    assert.match(await page.locator(`.review-item[data-item="${first.id}"]`).innerText(), new RegExp(first.suggestions[0]!.label));
    await b.shot('review-1280');
    await page.locator(`.review-item[data-item="${first.id}"] button.suggestion[data-suggestion="0"]`).click();
    await page.locator(`.review-item[data-item="${first.id}"] .notice`).waitFor();
    assert.match(await page.locator(`.review-item[data-item="${first.id}"] .notice`).innerText(), /bearer token/);
    assert.equal((await queueItem(first.id)).state, 'open');
  });

  it('with the token, accepting a suggestion and typing a label answer the items under the name acting', async () => {
    await page.fill('header input[name="actor"]', 'erin');
    await page.fill('header input[name="token"]', TOKEN);
    const cards = page.locator('.review-item');
    const [first, second] = await cards.evaluateAll((as) => as.map((a) => Number(a.getAttribute('data-item'))));
    const accepted = (await queueItem(first!)).suggestions[1]!.label;
    await page.locator(`.review-item[data-item="${first}"] button.suggestion[data-suggestion="1"]`).click();
    await page.locator(`.review-item[data-item="${first}"]`).waitFor({ state: 'detached' });
    const a = await queueItem(first!);
    assert.deepEqual([a.state, a.answer?.label, a.answer?.actor, a.answer?.suggestion], ['answered', accepted, 'erin', 1]);
    confusion = { trueLabel: accepted, answered: a.suggestions[0]!.label, version: (a as QueueItem & { version: string }).version };
    await page.fill(`.review-item[data-item="${second}"] input[name="label"]`, '999999');
    await page.locator(`.review-item[data-item="${second}"] button[type="submit"]`).click();
    await page.locator(`.review-item[data-item="${second}"]`).waitFor({ state: 'detached' });
    const t = await queueItem(second!);
    assert.deepEqual([t.state, t.answer?.label, t.answer?.actor, t.answer?.suggestion], ['answered', '999999', 'erin', null]);
    // The answered list shows who answered what.
    await page.selectOption('select[name="state"]', 'answered');
    await page.locator(`.review-item[data-item="${second}"] .answer`).waitFor();
    assert.match(await page.locator(`.review-item[data-item="${second}"] .answer`).innerText(), /999999 by erin/);
    await b.shot('review-answered-1280');
  });

  it('under lading serve, the evaluation adds the labels people gave in production: the review answer is in the heat map', async () => {
    assert.ok(confusion, 'the review test answered an item');
    const cell = page.locator(`article[data-section="production"] td[data-cell="${confusion.trueLabel}>${confusion.answered}"]`);
    // The figures are computed in the dashboard's thread and reused for a few seconds: reload until they include the answer.
    // 60 s: on a loaded 2-core CI machine the thread also computes the timelines it started at launch, and 20 s once ran out.
    for (const started = Date.now(); Date.now() - started < 60_000; await page.waitForTimeout(500)) {
      await open(`evaluation/${MODEL}/${confusion.version}`);
      await page.locator('ul.figures[data-figures="headline"]').waitFor();
      if (await cell.count() > 0) break;
    }
    assert.ok(Number(await cell.innerText()) >= 1, 'the accepted suggestion is a confusion in the heat map');
    assert.match(await page.locator('article[data-section="production"] h3').innerText(), /[1-9]\d* answers? of this version got a true label/);
    await b.shot('evaluation-production-serve-1280');
  });

  it('every new page fits a phone (390x844) without console errors', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [p, ready] of [[`lineage/${MODEL}`, 'table.lineage'], [`evaluation/${MODEL}/2`, 'table.per-class'], [`review/${ENDPOINT}`, '.review-item']] as const) {
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

  it('under lading ui, the evaluation adds the labels people gave in production (the review answer is in the heat map), and the queue is answered there too', async () => {
    assert.ok(confusion, 'the review test answered an item');
    const ui = await startUiProcess(uiSettings(home), { warn: () => undefined });
    try {
      await b.open(ui.url, `evaluation/${MODEL}/${confusion.version}`);
      const card = page.locator('article[data-section="production"]');
      await card.waitFor();
      assert.match(await card.locator('h3').innerText(), /[1-9]\d* answers? of this version got a true label/);
      const cell = card.locator(`td[data-cell="${confusion.trueLabel}>${confusion.answered}"]`);
      assert.ok(Number(await cell.innerText()) >= 1, 'the accepted suggestion is a confusion in the heat map');
      assert.ok(await card.locator('table.worst-classes tbody tr').count() >= 1);
      await b.shot('evaluation-production-1280');
      // lading ui serves the same queue: the item still open is answered there (its own origin, so
      // the tab's sessionStorage holds no token for it yet).
      await b.open(ui.url, `review/${ENDPOINT}`);
      const open = page.locator('.review-item[data-state="open"]');
      await open.first().waitFor();
      await page.fill('header input[name="actor"]', 'erin');
      await page.fill('header input[name="token"]', TOKEN);
      assert.equal(await open.count(), 1);
      const id = Number(await open.first().getAttribute('data-item'));
      await open.first().locator('button.suggestion[data-suggestion="0"]').click();
      await page.locator(`.review-item[data-item="${id}"]`).waitFor({ state: 'detached' });
      const answered = await queueItem(id);
      assert.deepEqual([answered.state, answered.answer?.actor, answered.answer?.suggestion], ['answered', 'erin', 0]);
    } finally {
      await ui.close();
    }
  });

  it('Pipelines (lading ui) shows the run `lading pipeline run` made: its status, candidate, gates verdict and timed steps, at both sizes', async () => {
    // Run here, not in before(): its candidate (hs-codes@4) and dataset would change what the lineage tests read.
    const { run }: PipelineRunOutput = await runPipelineForReal(home, lines);
    const gates = run.steps.find((st) => st.name === 'gates');
    assert.ok(gates?.detail, `the run reached its gates: ${JSON.stringify(run)}`);
    assert.ok(run.candidate, 'the run registered a candidate');
    const ui = await startUiProcess(uiSettings(home), { warn: () => undefined });
    try {
      await b.open(ui.url, 'pipelines');
      const runs = page.locator(`article[data-pipeline="${PIPELINE}"] table.runs tbody tr`);
      await runs.first().waitFor();
      assert.equal(await runs.count(), 1);
      const row = await runs.nth(0).innerText();
      for (const shown of ['manual', run.status, run.candidate, gates.detail.slice(0, 40)]) assert.ok(row.includes(shown), `the run's row shows "${shown}": ${row}`);
      await runs.nth(0).locator('summary').click();
      const steps = await runs.nth(0).locator('ol.steps').innerText();
      assert.match(steps, /data \d+\.\d s: [\s\S]*train:fasttext \d+\.\d s: (accuracy|macroF1)[\s\S]*register \d+\.\d s[\s\S]*gates \d+\.\d s: (passed|failed)/);
      await b.shot('pipelines-1280');
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(200);
      assert.ok(await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth') <= 0, 'pipelines is wider than the phone');
      await b.shot('pipelines-390');
      await page.setViewportSize({ width: 1280, height: 800 });
      assert.deepEqual(b.errors, []);
    } finally {
      await ui.close();
    }
  });

  it('an unknown version says which one is missing', async () => {
    await open(`evaluation/${MODEL}/9`);
    assert.match(await page.locator('main .notice').innerText(), /model "hs-codes" has no version 9/);
  });
});
