import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, signIn } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** api calls the API from a signed-in page, with the session cookie and CSRF token. */
async function api(page, method, path, body) {
  return page.evaluate(async ({ method, path, body }) => {
    const me = await (await fetch('/api/v1/me')).json();
    const r = await fetch(path, { method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrfToken }, body: body && JSON.stringify(body) });
    return { status: r.status, body: await r.json() };
  }, { method, path, body });
}

test('answers given offline survive the reconnect and a reload; the domain report shows', async () => {
  // An instructor sets up a short timed exam from the fixture items.
  let { context, page } = await signIn(browser, 'instructor@lakeside.example');
  await page.getByRole('heading', { name: /Welcome/ }).waitFor();
  const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
  const created = await api(page, 'POST', '/api/v1/exams', {
    programId: me.programs[0].id, title: 'Browser Test Exam', kind: 'custom', exam: 'RHIT',
    itemIds: ['e2e-101', 'e2e-102', 'e2e-103', 'e2e-104'], timeLimitMinutes: 60, shuffleOptions: false,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await context.close();

  ({ context, page } = await signIn(browser, 'student06@lakeside.example'));
  const card = page.getByRole('article').filter({ hasText: 'Browser Test Exam' });
  await card.getByRole('button', { name: 'Start or resume' }).click();
  await page.getByRole('timer').waitFor();
  assert.match(await page.getByRole('timer').textContent(), /^(59:\d\d|1:00:00)$/);

  const answerFirstOption = async () => {
    await page.locator('fieldset label.opt').first().click();
  };
  await answerFirstOption();
  await page.getByRole('button', { name: 'Next' }).click();
  await answerFirstOption();
  await page.getByRole('button', { name: 'Flag for review' }).click();
  await page.getByRole('button', { name: 'Next' }).click();

  // The connection drops: the next answer is kept on the device and the banner says so.
  await context.setOffline(true);
  await answerFirstOption();
  await page.getByText('Connection lost.').waitFor();
  await page.getByRole('button', { name: 'Next' }).click();
  await answerFirstOption();
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.getByText('Connection lost.').waitFor({ state: 'detached' });

  await page.reload();
  await page.getByRole('timer').waitFor();
  const nav = page.getByRole('navigation', { name: 'Question navigator' });
  for (let i = 1; i <= 4; i++) {
    const label = await nav.getByRole('button', { name: new RegExp(`^Question ${i}:`) }).getAttribute('aria-label');
    assert.match(label, /: answered/, `question ${i} lost its answer: ${label}`);
  }
  assert.match(await nav.getByRole('button', { name: /^Question 2:/ }).getAttribute('aria-label'), /flagged/);

  await page.getByRole('button', { name: 'Review and submit' }).first().click();
  await page.getByText('4 answered · 0 unanswered · 1 flagged for review.').waitFor();
  await page.getByRole('button', { name: 'Submit exam' }).click();
  await page.getByRole('heading', { name: 'Your score report' }).waitFor();
  assert.ok(await page.getByText('400').first().isVisible());
  assert.ok(await page.getByRole('table', { name: 'Correct answers by domain' }).isVisible());
  await context.close();

  // The instructor sees the finished attempt in the monitor and the item analysis.
  ({ context, page } = await signIn(browser, 'instructor@lakeside.example'));
  await page.getByRole('heading', { name: /Welcome/ }).waitFor();
  await page.getByRole('link', { name: /Health Information Technology/ }).first().click();
  await page.getByRole('link', { name: 'Browser Test Exam' }).click();
  await page.getByRole('heading', { name: 'Exam monitor' }).waitFor();
  const attempts = page.getByRole('table', { name: 'Attempts' });
  await attempts.getByRole('cell', { name: 'submitted' }).waitFor();
  assert.ok(await attempts.getByRole('cell', { name: '4 / 4' }).isVisible());
  const stats = page.getByRole('table', { name: 'Item statistics' });
  await stats.getByRole('cell', { name: 'e2e-101' }).waitFor();
  assert.equal(await stats.getByRole('row').count(), 5);
  await context.close();
});
