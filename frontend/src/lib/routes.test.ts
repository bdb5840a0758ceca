import { describe, expect, it } from 'vitest';
import { match, safeNext } from './routes';

describe('match', () => {
  const cases: [string, unknown][] = [
    ['/', { name: 'dashboard' }],
    ['/login', { name: 'login' }],
    ['/account/', { name: 'account' }],
    ['/admin/users', { name: 'users' }],
    ['/programs/abc123', { name: 'program', id: 'abc123' }],
    ['/programs/abc123/outcomes', { name: 'outcomes', id: 'abc123' }],
    ['/courses/rhit-prep', { name: 'course', slug: 'rhit-prep' }],
    ['/courses/rhit-prep/lessons/l%201', { name: 'lesson', slug: 'rhit-prep', lessonId: 'l 1' }],
    ['/courses/rhit-prep/modules/d3/quiz', { name: 'quiz', slug: 'rhit-prep', moduleId: 'd3' }],
    ['/bank', { name: 'bank' }],
    ['/bank/items/rev-014', { name: 'item', id: 'rev-014' }],
    ['/programs/p1/exams/e1', { name: 'manageExam', programId: 'p1', examId: 'e1' }],
    ['/fees', { name: 'fees' }],
    ['/receipts/abc-0123456789', { name: 'receipt', id: 'abc-0123456789' }],
    ['/programs/p1/fees', { name: 'programFees', id: 'p1' }],
    ['/nowhere', { name: 'notfound', path: '/nowhere' }],
    ['/sections', { name: 'sections' }],
    ['/sections/s1', { name: 'section', id: 's1' }],
    ['/sessions/x%2Fy', { name: 'room', id: 'x/y' }],
  ];
  for (const [path, want] of cases) {
    it(`matches ${path}`, () => expect(match(path)).toEqual(want));
  }
});

describe('safeNext', () => {
  it('keeps same-site paths and refuses others', () => {
    expect(safeNext('/programs/1')).toBe('/programs/1');
    expect(safeNext('//evil.example')).toBe('/');
    expect(safeNext('https://evil.example')).toBe('/');
    expect(safeNext(null)).toBe('/');
  });
});
