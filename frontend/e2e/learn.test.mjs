import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, signIn } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('lesson progress survives signing out, and the practice quiz explains every option', async () => {
  let { context, page } = await signIn(browser, 'student03@lakeside.example');
  await page.getByRole('link', { name: /Browser Test Course/ }).click();
  await page.getByRole('heading', { name: 'Browser Test Course' }).waitFor();
  await page.getByRole('link', { name: 'Bed occupancy' }).click();
  await page.getByRole('table').waitFor();

  // Practice question: a wrong answer first, then the rationale of every option.
  await page.getByLabel(/27%/).check();
  await page.getByRole('button', { name: 'Check answer' }).click();
  await page.getByText('Not quite: the answer is A.').waitFor();
  assert.ok(await page.getByText('540 / (20 beds x 30 days)').isVisible());
  assert.ok(await page.getByText('ignores the days in the period').isVisible());

  await page.getByRole('button', { name: 'Mark lesson complete' }).click();
  await page.getByRole('button', { name: /Completed/ }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to Chartroom' }).waitFor();
  await context.close();

  ({ context, page } = await signIn(browser, 'student03@lakeside.example'));
  await page.getByRole('link', { name: /Browser Test Course/ }).click();
  await page.getByText('50% complete.').waitFor();
  assert.ok(await page.getByRole('link', { name: 'Resume: Bed occupancy' }).isVisible());
  assert.ok(await page.getByText('done').isVisible());
  await context.close();
});

test('script payloads in a lesson and in an item never run', async () => {
  const { context, page } = await signIn(browser, 'student04@lakeside.example');
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs++; d.dismiss(); });
  await page.getByRole('link', { name: /Browser Test Course/ }).click();
  await page.getByRole('link', { name: 'Payloads' }).click();
  await page.getByText('Plain text after the payloads.').waitFor();
  // The item's stem is shown as text, tags and all.
  await page.getByText("Payload <script>window.__xss = 'stem'</script>", { exact: false }).waitFor();
  await page.getByLabel(/Safe option/).check();
  await page.getByRole('button', { name: 'Check answer' }).click();
  await page.getByText('Correct.', { exact: true }).waitFor();
  // Try the links the payloads tried to plant.
  for (const a of await page.locator('article a').all()) {
    const href = await a.getAttribute('href');
    assert.ok(!href || !href.toLowerCase().startsWith('javascript:'), `javascript: link survived: ${href}`);
  }
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'a payload ran');
  assert.equal(dialogs, 0);
  const html = await page.locator('article').innerHTML();
  assert.ok(!/onerror|onload|<script/i.test(html), `lesson HTML kept a payload: ${html}`);
  await context.close();
});
