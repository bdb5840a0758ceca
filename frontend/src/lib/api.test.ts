import { describe as suite, expect, it } from 'vitest';
import { ApiError, Client, describe, itemsOr404, money, qs, signInMessage, toCents } from './api';

function fakeFetch(responses: Response[], calls: { url: string; init: RequestInit }[] = []) {
  return (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const r = responses.shift();
    if (!r) throw new TypeError('network down');
    return r;
  }) as unknown as typeof fetch;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

suite('Client', () => {
  it('keeps the CSRF token from login and sends it on unsafe requests only', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const c = new Client(fakeFetch([json(200, { user: {}, csrfToken: 'tok' }), json(200, { items: [], nextCursor: null }), new Response(null, { status: 204 })], calls));
    await c.login('a@b.c', 'pw');
    await c.programs();
    await c.logout();
    const h = (i: number) => calls[i].init.headers as Record<string, string>;
    expect(h(1)['X-CSRF-Token']).toBeUndefined();
    expect(h(2)['X-CSRF-Token']).toBe('tok');
    expect(c.csrfToken).toBe('');
    expect(calls[0].init.credentials).toBe('same-origin');
  });

  it('turns problem+json into ApiError with field errors', async () => {
    const c = new Client(fakeFetch([json(400, { title: 'Bad Request', detail: 'invalid', type: '/problems/invalid', errors: [{ field: 'email', message: 'is required' }] })]));
    const err = await c.createUser({ email: '', name: 'x', roles: ['student'] }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(400);
    expect(err.fieldMessage('email')).toBe('is required');
  });

  it('reports Retry-After on 429 in plain words', async () => {
    const c = new Client(fakeFetch([json(429, { title: 'Too Many Requests' }, { 'Retry-After': '42' })]));
    const err = await c.login('a@b.c', 'pw').catch((e) => e);
    expect(err.retryAfter).toBe(42);
    expect(signInMessage(err)).toBe('Too many sign-in attempts. Try again in 42 seconds.');
    expect(describe(err)).toBe('Too many requests. Try again in 42 seconds.');
  });

  it('shows the server detail for wrong credentials', async () => {
    const c = new Client(fakeFetch([json(401, { type: '/problems/unauthorized', title: 'Unauthorized', status: 401, detail: 'Email or password is incorrect.' })]));
    const err = await c.login('a@b.c', 'wrong').catch((e) => e);
    expect(err.status).toBe(401);
    expect(signInMessage(err)).toBe('Email or password is incorrect.');
    expect(c.csrfToken).toBe('');
  });

  it('takes the CSRF token from /me too', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const me = { user: { id: 'u1' }, csrfToken: 'from-me', programs: [], enrollments: [] };
    const c = new Client(fakeFetch([json(200, me), new Response(null, { status: 204 })], calls));
    await c.me();
    await c.changePassword('old-password-1', 'new-password-12');
    expect((calls[1].init.headers as Record<string, string>)['X-CSRF-Token']).toBe('from-me');
    expect(calls[1].init.method).toBe('POST');
  });

  it('reports a network failure as status 0', async () => {
    const c = new Client(fakeFetch([]));
    const err = await c.me().catch((e) => e);
    expect(err.status).toBe(0);
    expect(describe(err)).toMatch(/Cannot reach Chartroom/);
  });

  it('sends CSV as text/csv', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const c = new Client(fakeFetch([json(200, { created: 1, enrolled: 1, unchanged: 0, generatedPasswords: [] })], calls));
    await c.importStudents('p1', 'email,name,cohort,start_date\n');
    expect((calls[0].init.headers as Record<string, string>)['Content-Type']).toBe('text/csv');
    expect(calls[0].init.body).toBe('email,name,cohort,start_date\n');
  });
});

suite('qs', () => {
  it('drops empty values and encodes the rest', () => {
    expect(qs({ q: 'a b', cursor: '', limit: '25' })).toBe('q=a+b&limit=25');
  });
});

suite('itemsOr404', () => {
  it('returns the items of a page', async () => {
    expect(await itemsOr404(async () => ({ items: [1, 2], nextCursor: null }))).toEqual([1, 2]);
  });
  it('reads 404 (not built yet) as an empty list', async () => {
    const c = new Client(fakeFetch([json(404, { title: 'Not Found', status: 404 })]));
    expect(await itemsOr404(() => c.courses())).toEqual([]);
  });
  it('throws other errors', async () => {
    const c = new Client(fakeFetch([json(500, { title: 'Internal Server Error', detail: 'boom' })]));
    await expect(itemsOr404(() => c.exams())).rejects.toMatchObject({ status: 500, detail: 'boom' });
  });
});

suite('money and toCents', () => {
  it('formats cents and reads typed amounts', () => {
    expect(money(120000, 'usd')).toBe('$1,200.00');
    expect(money(-4500)).toBe('-$45.00');
    expect(toCents('150')).toBe(15000);
    expect(toCents('1,200.5')).toBe(120050);
    expect(toCents('$0.07')).toBe(7);
    expect(Number.isNaN(toCents('12.345'))).toBe(true);
    expect(Number.isNaN(toCents('-5'))).toBe(true);
    expect(Number.isNaN(toCents(''))).toBe(true);
  });
});
