// Client-side routes: pure matching, so it is easy to test.

export type Route =
  | { name: 'dashboard' }
  | { name: 'login' }
  | { name: 'account' }
  | { name: 'users' }
  | { name: 'program'; id: string }
  | { name: 'outcomes'; id: string }
  | { name: 'course'; slug: string }
  | { name: 'lesson'; slug: string; lessonId: string }
  | { name: 'quiz'; slug: string; moduleId: string }
  | { name: 'bank' }
  | { name: 'attempt'; id: string }
  | { name: 'manageExam'; programId: string; examId: string }
  | { name: 'result'; id: string }
  | { name: 'item'; id: string }
  | { name: 'sections' }
  | { name: 'section'; id: string }
  | { name: 'room'; id: string }
  | { name: 'fees' }
  | { name: 'receipt'; id: string }
  | { name: 'programFees'; id: string }
  | { name: 'notfound'; path: string };

const patterns: [RegExp, (m: string[]) => Route][] = [
  [/^\/$/, () => ({ name: 'dashboard' })],
  [/^\/login$/, () => ({ name: 'login' })],
  [/^\/account$/, () => ({ name: 'account' })],
  [/^\/admin\/users$/, () => ({ name: 'users' })],
  [/^\/bank$/, () => ({ name: 'bank' })],
  [/^\/attempts\/([^/]+)$/, (m) => ({ name: 'attempt', id: decodeURIComponent(m[1]) })],
  [/^\/attempts\/([^/]+)\/result$/, (m) => ({ name: 'result', id: decodeURIComponent(m[1]) })],
  [/^\/bank\/items\/([^/]+)$/, (m) => ({ name: 'item', id: decodeURIComponent(m[1]) })],
  [/^\/programs\/([^/]+)$/, (m) => ({ name: 'program', id: decodeURIComponent(m[1]) })],
  [/^\/programs\/([^/]+)\/outcomes$/, (m) => ({ name: 'outcomes', id: decodeURIComponent(m[1]) })],
  [/^\/programs\/([^/]+)\/exams\/([^/]+)$/, (m) => ({ name: 'manageExam', programId: decodeURIComponent(m[1]), examId: decodeURIComponent(m[2]) })],
  [/^\/courses\/([^/]+)$/, (m) => ({ name: 'course', slug: decodeURIComponent(m[1]) })],
  [/^\/courses\/([^/]+)\/modules\/([^/]+)\/quiz$/, (m) => ({ name: 'quiz', slug: decodeURIComponent(m[1]), moduleId: decodeURIComponent(m[2]) })],
  [/^\/courses\/([^/]+)\/lessons\/([^/]+)$/, (m) => ({ name: 'lesson', slug: decodeURIComponent(m[1]), lessonId: decodeURIComponent(m[2]) })],
  [/^\/sections$/, () => ({ name: 'sections' })],
  [/^\/sections\/([^/]+)$/, (m) => ({ name: 'section', id: decodeURIComponent(m[1]) })],
  [/^\/sessions\/([^/]+)$/, (m) => ({ name: 'room', id: decodeURIComponent(m[1]) })],
  [/^\/fees$/, () => ({ name: 'fees' })],
  [/^\/receipts\/([^/]+)$/, (m) => ({ name: 'receipt', id: decodeURIComponent(m[1]) })],
  [/^\/programs\/([^/]+)\/fees$/, (m) => ({ name: 'programFees', id: decodeURIComponent(m[1]) })],
];

/** match returns the route for a path (trailing slashes ignored). */
export function match(path: string): Route {
  const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
  for (const [re, make] of patterns) {
    const m = re.exec(p);
    if (m) return make(m);
  }
  return { name: 'notfound', path };
}

/** safeNext returns a same-site path to go to after sign-in, never an external URL. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}
