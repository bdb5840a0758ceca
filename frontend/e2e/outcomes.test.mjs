import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, signIn, BASE } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a coordinator opens the outcomes dashboard and sees figures and a trend chart', async () => {
  const { context, page } = await signIn(browser, 'coordinator@lakeside.example');
  await page.getByRole('link', { name: /Health Information Technology/ }).first().click();
  await page.getByRole('link', { name: 'Accreditation outcomes' }).click();
  await page.getByRole('heading', { name: /Figures for/ }).waitFor();

  // The demo's synthesized history gives the last full year real figures.
  const grad = page.locator('tr[data-figure="graduation_150"] td').first();
  assert.match(await grad.textContent(), /\d+\.\d%/);
  const emp = page.locator('tr[data-figure="employment_12"]');
  assert.ok(await emp.isVisible());

  // chart.js drew the five-year trend on the canvas.
  const canvas = page.getByTestId('trend-chart');
  await canvas.waitFor();
  const drawn = await canvas.evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++;
    return ink;
  });
  assert.ok(drawn > 500, `the trend chart has ${drawn} drawn pixels`);

  // A definition is one click away, and the CSV link points at the export.
  await page.locator('tr[data-figure="retention"] summary').click();
  assert.match(await page.locator('tr[data-figure="retention"] details p').textContent(), /transferred out/);
  const href = await page.getByRole('link', { name: 'Download CSV' }).first().getAttribute('href');
  assert.match(href, /outcomes\.csv\?year=\d{4}&table=figures/);
  const csv = await page.evaluate(async (u) => (await fetch(u)).text(), href);
  assert.match(csv, /^reporting_year,figure,label,numerator,denominator/);

  // Picking another reporting year reloads the figures.
  const years = page.getByRole('combobox', { name: 'Reporting year' });
  const current = await years.inputValue();
  await years.selectOption(String(Number(current) - 1));
  await page.getByRole('heading', { name: new RegExp(`Figures for ${Number(current) - 2}-`) }).waitFor();
  await context.close();
});

test('the public outcomes page shows without signing in', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const res = await page.goto(BASE + '/outcomes/lakeside-hit');
  assert.equal(res.status(), 200);
  await page.getByRole('heading', { name: 'Program outcomes' }).waitFor();
  assert.match(await page.getByTestId('published').textContent(), /Published \d+ \w+ \d{4}/);
  for (const key of ['graduation_100', 'graduation_150', 'employment_6', 'employment_12']) {
    assert.equal(await page.locator(`tr[data-figure="${key}"]`).count(), 1, key);
  }
  assert.match(await page.textContent('body'), /Suppressed: fewer than 5 students/);
  await context.close();
});
