import { describe as suite, expect, it } from 'vitest';
import { ApiError, Client, describe, qs } from './api';

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
    expect(describe(err)).toBe('Too many sign-in attempts. Try again in 42 seconds.');
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
