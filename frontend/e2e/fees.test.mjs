// Browser tests for fees and payments (issue 7).
//
// The shared demo server runs without Stripe keys: there the student is told online payment
// is unavailable and the coordinator records an offline payment. For online payment this
// file starts its own server with stripe-mock (`go tool stripe-mock`) and a webhook secret,
// lets the browser go through Checkout (the hosted page is stubbed: stripe-mock returns a
// canned URL), and completes the payment with a locally signed checkout.session.completed
// event, as Stripe would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BASE, PASSWORD, launch, signIn } from './helpers.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const SECRET = 'whsec_e2e_chartroom';
let browser;
const children = [];
let dataDir;

before(async () => { browser = await launch(); });
after(async () => {
  await browser?.close();
  for (const c of children) c.kill('SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
    s.on('error', rej);
  });
}

/** start runs a command and resolves once url answers (any HTTP status). */
async function start(cmd, args, url, opts = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`${cmd} exited: ${out}`);
    try {
      await fetch(url);
      return child;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${cmd} did not start: ${out}`);
}

async function signInAt(base, email) {
  const context = await browser.newContext();
  // Anything off this server (the hosted Checkout page) gets a stub page.
  await context.route((url) => !url.href.startsWith(base), (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Checkout</title><h1>Stripe Checkout (stub)</h1>' }));
  const page = await context.newPage();
  await page.goto(base + '/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Dashboard' }).waitFor();
  return { context, page };
}

function signed(payload) {
  const t = Math.floor(Date.now() / 1000);
  const sig = createHmac('sha256', SECRET).update(`${t}.${payload}`).digest('hex');
  return `t=${t},v1=${sig}`;
}

test('without Stripe keys online payment is unavailable and the coordinator records an offline payment', async () => {
  let { context, page } = await signIn(browser, 'student19@lakeside.example');
  await page.getByRole('link', { name: 'Fees', exact: true }).click();
  await page.getByRole('heading', { name: 'Fees', exact: true }).waitFor();
  await page.getByTestId('online-unavailable').waitFor();
  assert.equal(await page.getByRole('button', { name: /^Pay/ }).count(), 0);
  // Demo data: half of the application fee paid by check.
  assert.equal(await page.getByTestId('balance').textContent(), '$25.00');
  await context.close();

  ({ context, page } = await signIn(browser, 'coordinator@lakeside.example'));
  await page.getByRole('link', { name: 'Program fees' }).click();
  await page.getByRole('heading', { name: /Fees and payments/ }).waitFor();
  await page.getByTestId('online-unavailable').waitFor();
  const before = await page.getByTestId('total-collected').textContent();
  const form = page.getByRole('form', { name: 'Record an offline payment' });
  await form.getByLabel('Student').selectOption({ label: 'Samuel Mensah (student19@lakeside.example)' });
  await form.getByLabel('Fee').selectOption({ label: 'Application fee' });
  await form.getByLabel('Method').selectOption('bursar');
  await form.getByLabel('Amount').fill('25.00');
  await form.getByLabel(/Reference/).fill('BUR-E2E-1');
  await form.getByRole('button', { name: 'Record' }).click();
  await form.getByText('Payment recorded.').waitFor();
  const after = await page.getByTestId('total-collected').textContent();
  assert.notEqual(after, before);
  // Paying more than is outstanding is refused with the reason.
  await form.getByLabel('Amount').fill('1.00');
  await form.getByLabel(/Reference/).fill('BUR-E2E-2');
  await form.getByRole('button', { name: 'Record' }).click();
  await form.getByRole('alert').filter({ hasText: 'outstanding' }).waitFor();
  await context.close();

  ({ context, page } = await signIn(browser, 'student19@lakeside.example'));
  await page.getByRole('link', { name: 'Fees', exact: true }).click();
  await page.getByText('Nothing is due.').waitFor();
  assert.equal(await page.getByTestId('balance').textContent(), '$0.00');
  await context.close();
});

test('a student pays a course-access fee through Checkout and the course unlocks; the receipt shows', async () => {
  const bin = process.env.CHARTROOM_BIN;
  assert.ok(bin, 'CHARTROOM_BIN is not set: run the browser tests with `make e2e`');
  const mockPort = await freePort();
  await start('go', ['tool', 'stripe-mock', '-http-addr', `127.0.0.1:${mockPort}`, '-https-addr', '127.0.0.1:'], `http://127.0.0.1:${mockPort}/`, { cwd: ROOT });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  dataDir = mkdtempSync(join(tmpdir(), 'chartroom-fees-'));
  await start(bin, ['serve', '--demo', '--data', dataDir, '--addr', `127.0.0.1:${port}`, '--base-url', base,
    '--stripe-key', 'sk_test_123', '--stripe-api-base', `http://127.0.0.1:${mockPort}`, '--stripe-webhook-secret', SECRET], base + '/readyz');
  for (let i = 0; i < 120; i++) {
    const r = await fetch(base + '/readyz').catch(() => null);
    if (r?.ok) break;
    await new Promise((res) => setTimeout(res, 500));
  }

  // The coordinator adds a course-access fee for the RHIT prep course and charges a cohort.
  let { context, page } = await signInAt(base, 'coordinator@lakeside.example');
  await page.getByRole('link', { name: 'Program fees' }).click();
  const nf = page.getByRole('form', { name: 'New fee item' });
  await nf.getByLabel('Name').fill('RHIT prep course access');
  await nf.getByLabel('Kind').selectOption('course-access');
  await nf.getByLabel('Amount').fill('150.00');
  await nf.getByLabel('Due date').fill('2026-09-01');
  await nf.getByLabel('Paying unlocks').selectOption('course');
  await nf.getByLabel('Course slug').fill('rhit-prep');
  await nf.getByRole('button', { name: 'Create fee' }).click();
  await nf.getByText('created').waitFor();
  const as = page.getByRole('form', { name: 'Assign a fee' });
  await as.getByLabel('Fee').selectOption({ label: 'RHIT prep course access' });
  await as.getByLabel('Cohort').selectOption({ label: 'Class of 2028' });
  await as.getByRole('button', { name: 'Charge cohort' }).click();
  await as.getByText('Charged to 15 student(s)').waitFor();
  await context.close();

  // The course is locked for the student, who is sent to Fees.
  ({ context, page } = await signInAt(base, 'student20@lakeside.example'));
  await page.goto(base + '/courses/rhit-prep');
  await page.getByRole('alert').filter({ hasText: 'RHIT prep course access' }).waitFor();
  await page.getByRole('link', { name: 'Go to Fees' }).click();
  await page.getByRole('heading', { name: 'Fees', exact: true }).waitFor();
  assert.equal(await page.getByTestId('online-unavailable').count(), 0);

  // Pay: the server creates a Checkout Session (stripe-mock) and the browser goes to it.
  // The response is read on its way through: the page leaves for Checkout right after.
  let checkout;
  await page.route('**/api/v1/billing/checkout', async (route) => {
    const r = await route.fetch();
    checkout = await r.json();
    await route.fulfill({ response: r });
  });
  await page.getByRole('button', { name: 'Pay $150.00' }).click();
  await page.getByRole('heading', { name: 'Stripe Checkout (stub)' }).waitFor();
  assert.ok(checkout?.id, 'no checkout was created');

  // Stripe reports the completed payment to the webhook, signed with the endpoint secret.
  const event = JSON.stringify({
    id: 'evt_e2e_1', object: 'event', type: 'checkout.session.completed', created: Math.floor(Date.now() / 1000), api_version: '2023-10-16',
    data: { object: { id: 'cs_test_e2e', object: 'checkout.session', client_reference_id: checkout.id, payment_intent: 'pi_e2e_1', payment_status: 'paid', mode: 'payment' } },
  });
  const bad = await fetch(base + '/api/v1/webhooks/stripe', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': 't=1,v1=00' }, body: event });
  assert.equal(bad.status, 400);
  for (let i = 0; i < 2; i++) {
    const wh = await fetch(base + '/api/v1/webhooks/stripe', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signed(event) }, body: event });
    assert.equal(wh.status, 200, await wh.text());
  }

  // Back from Checkout: paid, a receipt, and the course opens.
  await page.goto(`${base}/fees?checkout=${checkout.id}&result=success`);
  await page.getByRole('link', { name: /^Receipt / }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Pay $150.00' }).count(), 0);
  const row = page.getByRole('table', { name: 'All charges' }).getByRole('row').filter({ hasText: 'RHIT prep course access' });
  assert.equal(await row.locator('.badge').textContent(), 'paid');
  await page.getByRole('link', { name: /^Receipt / }).click();
  await page.getByRole('heading', { name: 'Payment receipt' }).waitFor();
  assert.equal(await page.getByTestId('receipt-total').textContent(), '$150.00');
  await page.getByRole('cell', { name: 'RHIT prep course access' }).waitFor();
  const pdfHref = await page.getByRole('link', { name: 'Download PDF' }).getAttribute('href');
  const pdf = await page.request.get(base + pdfHref);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');

  await page.goto(base + '/courses/rhit-prep');
  await page.getByRole('heading', { name: 'RHIT Exam Prep' }).waitFor();
  await context.close();
});
