// Shared helpers for the browser tests: Debian's chromium driven by playwright-core.
import { chromium } from 'playwright-core';

export const BASE = process.env.CHARTROOM_URL;
if (!BASE) {
  throw new Error('CHARTROOM_URL is not set: run the browser tests with `make e2e`');
}
export const PASSWORD = 'demo-password-2026';

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** signIn opens the login page in a fresh context and signs in. */
export async function signIn(browser, email, password = PASSWORD) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(BASE + '/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return { context, page };
}
