import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, signIn, BASE } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('an instructor writes an item with a live preview, a second instructor approves it', async () => {
  let { context, page } = await signIn(browser, 'instructor@lakeside.example');
  await page.getByRole('link', { name: 'Question bank' }).click();
  await page.getByLabel(/New item id/).fill('e2e-new-1');
  await page.getByRole('button', { name: 'Write a new item' }).click();
  await page.getByRole('heading', { name: /New item/ }).waitFor();

  await page.getByLabel('Topic').fill('Average length of stay');
  await page.getByLabel('Stem').fill('A unit discharged 50 patients with 200 discharge days. What is the average length of stay?');
  const opts = ['4.0 days', '0.25 days', '250 days', '150 days'];
  for (let i = 0; i < 4; i++) {
    await page.getByLabel(`Option ${'ABCD'[i]}`, { exact: true }).fill(opts[i]);
    await page.getByLabel(`Rationale for ${'ABCD'[i]}`).fill(i === 0 ? '200 / 50 = 4.0.' : 'A typical slip.');
  }
  await page.getByLabel('References (one per line)').fill('CDC NCHS glossary: average length of stay');
  // The preview follows the editor.
  const preview = page.getByRole('complementary');
  assert.ok(await preview.getByText('A unit discharged 50 patients').isVisible());
  assert.ok(await preview.getByText('0.25 days').isVisible());

  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved as version 1 (draft).').waitFor();
  await page.getByRole('button', { name: 'Send to review' }).click();
  await page.getByText('Status is now review.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Approve (second reader)' }).count(), 1);
  await context.close();

  ({ context, page } = await signIn(browser, 'instructor2@lakeside.example'));
  await page.getByRole('heading', { name: /Welcome/ }).waitFor();
  await page.goto(BASE + '/bank/items/e2e-new-1');
  await page.getByRole('button', { name: 'Approve (second reader)' }).click();
  await page.getByText('Status is now active.').waitFor();
  assert.ok(await page.getByText('reviewed by instructor2@lakeside.example').isVisible());
  await context.close();
});

test('students cannot open the question bank', async () => {
  const { context, page } = await signIn(browser, 'student05@lakeside.example');
  await page.getByRole('heading', { name: /Welcome/ }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Question bank' }).count(), 0);
  await page.goto(BASE + '/bank');
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').textContent(), /Only instructors/);
  await context.close();
});
