import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, signIn } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Acceptance 1 of the live classroom: the instructor starts a session and shows the code;
// student A checks in with it in person; student B joins online; the instructor opens a
// poll; both answer; the instructor sees two answers; B goes offline and back and sees the
// chat it missed.
test('live classroom: code check-in, online join, poll with two answers, resume after offline', async () => {
  const teacher = await signIn(browser, 'instructor@lakeside.example');
  const t = teacher.page;
  await t.getByRole('heading', { name: /Welcome/ }).waitFor();
  await t.getByRole('link', { name: 'Live classes' }).click();
  await t.getByLabel('Section title').fill('HIT 140 Live (browser test)');
  await t.getByLabel('Room').fill('B-204');
  await t.getByLabel('Student emails (one per line)').fill('student01@lakeside.example\nstudent02@lakeside.example');
  await t.getByRole('button', { name: 'Create section' }).click();
  await t.getByRole('heading', { name: 'HIT 140 Live (browser test)' }).waitFor();
  await t.getByLabel('Session title').fill('Week 1: the legal health record');
  await t.getByRole('button', { name: 'Start a live session' }).click();
  const code = t.getByLabel('Check-in code');
  await code.waitFor();
  assert.match(await code.textContent(), /^\d{6}$/);
  await t.getByRole('img', { name: 'QR code to check in to this session' }).waitFor();
  const roomURL = t.url();
  assert.match(roomURL, /\/sessions\/[0-9a-f]+$/);

  // Student A is in the room: types the code on the screen.
  const a = await signIn(browser, 'student01@lakeside.example');
  await a.page.getByRole('heading', { name: /Welcome/ }).waitFor();
  await a.page.goto(roomURL);
  await a.page.getByRole('radio', { name: 'In the room' }).check();
  await a.page.getByLabel('Code on the screen').fill('000000');
  await a.page.getByRole('button', { name: 'Check in' }).click();
  await a.page.getByRole('alert').filter({ hasText: /wrong or has expired/ }).waitFor();
  await a.page.getByLabel('Code on the screen').fill((await code.textContent()).trim());
  await a.page.getByRole('button', { name: 'Check in' }).click();
  await a.page.getByTestId('checked-in').filter({ hasText: 'in person' }).waitFor();

  // Student B joins online.
  const b = await signIn(browser, 'student02@lakeside.example');
  await b.page.getByRole('heading', { name: /Welcome/ }).waitFor();
  await b.page.goto(roomURL);
  await b.page.getByRole('radio', { name: 'Online' }).check();
  await b.page.getByRole('button', { name: 'Check in' }).click();
  await b.page.getByTestId('checked-in').filter({ hasText: 'online' }).waitFor();

  // The instructor's roster shows both; A is in person.
  await t.getByRole('row', { name: /Aaliyah Okafor/ }).filter({ hasText: 'in person' }).waitFor();
  await t.getByRole('row', { name: /Ben Schultz/ }).filter({ hasText: 'online now' }).waitFor();

  // A poll typed on the spot.
  await t.getByLabel('Question', { exact: true }).fill('Which is the legal health record?');
  await t.getByLabel('Option A').fill('The record the organization defines for disclosure');
  await t.getByLabel('Option B').fill('Every note ever written');
  await t.getByLabel('Timer (seconds, 0 for none)').fill('0');
  await t.getByRole('button', { name: 'Open poll' }).click();

  for (const [s, choice] of [[a.page, 'A.'], [b.page, 'B.']]) {
    await s.getByRole('button', { name: new RegExp('^' + choice.replace('.', '\\.')) }).click();
    await s.getByRole('button', { name: 'Submit answer' }).click();
    await s.getByRole('status').filter({ hasText: 'Answer recorded' }).waitFor();
  }
  await t.getByTestId('answered').filter({ hasText: '2 answered' }).waitFor();
  await t.getByRole('button', { name: 'Reveal answer' }).click();
  await b.page.getByRole('button', { name: /^A\. .*✓/ }).waitFor();

  // B drops off the network; the chat goes on; B comes back and sees what it missed.
  await b.context.setOffline(true);
  await b.page.getByRole('status').filter({ hasText: /Reconnecting|Connecting/ }).waitFor();
  await t.getByLabel('Message').fill('Read section 2 for Thursday');
  await t.getByRole('button', { name: 'Send' }).click();
  await a.page.getByText('Read section 2 for Thursday').waitFor();
  await b.context.setOffline(false);
  await b.page.getByText('Read section 2 for Thursday').waitFor({ timeout: 15000 });
  await b.page.getByRole('status').filter({ hasText: 'Live' }).waitFor();

  // A second check-in is refused with a clear message.
  const again = await a.page.evaluate(async (url) => {
    const me = await (await fetch('/api/v1/me')).json();
    const id = url.split('/').pop();
    const r = await fetch(`/api/v1/sessions/${id}/checkin`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrfToken }, body: JSON.stringify({ mode: 'remote' }) });
    return { status: r.status, body: await r.json() };
  }, roomURL);
  assert.equal(again.status, 409);
  assert.match(again.body.detail, /already checked in/);

  for (const s of [teacher, a, b]) await s.context.close();
  assert.ok(BASE);
});
