import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, signIn, BASE } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a student signs in, sees the dashboard, and signs out', async () => {
  const { context, page } = await signIn(browser, 'student01@lakeside.example');
  await page.getByRole('heading', { name: 'Welcome, Aaliyah' }).waitFor();
  await page.getByRole('heading', { name: 'My program' }).waitFor();
  assert.ok(await page.getByText('Health Information Technology').first().isVisible());
  assert.ok(await page.getByText('Class of 2027').isVisible());
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to Chartroom' }).waitFor();
  // The session is gone on the server too: a reload stays on the login page.
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in to Chartroom' }).waitFor();
  assert.match(page.url(), /\/login/);
  await context.close();
});

test('a wrong password shows a clear message', async () => {
  const { context, page } = await signIn(browser, 'student02@lakeside.example', 'not-the-password');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.equal((await alert.textContent()).trim(), 'Email or password is incorrect.');
  assert.match(page.url(), /\/login/);
  await context.close();
});

test('a coordinator opens the program page and sees the cohorts', async () => {
  const { context, page } = await signIn(browser, 'coordinator@lakeside.example');
  await page.getByRole('link', { name: 'Program', exact: true }).click();
  await page.getByRole('heading', { name: 'Cohorts' }).waitFor();
  const cohorts = page.getByRole('table', { name: 'Cohorts of the program' });
  await cohorts.getByRole('cell', { name: 'Class of 2028' }).waitFor();
  assert.ok(await cohorts.getByRole('cell', { name: 'Class of 2027' }).isVisible());
  // Thirty demo students, 25 per page, then "Load more".
  await page.getByRole('button', { name: 'Load more' }).click();
  await page.getByRole('cell', { name: 'student30@lakeside.example' }).waitFor();
  await context.close();
});

test('a deep link survives the sign-in redirect', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(BASE + '/account');
  await page.getByLabel('Email').fill('instructor@lakeside.example');
  await page.getByLabel('Password').fill('demo-password-2026');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
  await context.close();
});

test('the login page works at phone width', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await page.goto(BASE + '/login');
  await page.getByRole('heading', { name: 'Sign in to Chartroom' }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, 'the page scrolls sideways at 360px');
  await context.close();
});
