import { describe, expect, it } from 'vitest';
import { formatClock, merge, remaining, warningFor } from './queue';

describe('merge', () => {
  it('keeps the higher sequence number of server and queue', () => {
    const server = { q1: { choices: ['A'], flagged: false, seq: 3 }, q2: { choices: ['B'], flagged: true, seq: 1 } };
    const queued = [
      { attemptId: 'a', itemId: 'q1', choices: ['C'], flagged: false, seq: 2 },
      { attemptId: 'a', itemId: 'q2', choices: ['D'], flagged: false, seq: 2 },
      { attemptId: 'a', itemId: 'q3', choices: ['A'], flagged: true, seq: 1 },
    ];
    const m = merge(server, queued);
    expect(m.q1.choices).toEqual(['A']);
    expect(m.q2.choices).toEqual(['D']);
    expect(m.q3.flagged).toBe(true);
  });
});

describe('timer', () => {
  it('counts down from the server deadline corrected for skew, never below zero', () => {
    const now = Date.parse('2026-04-01T09:00:00Z');
    expect(remaining('2026-04-01T09:10:00Z', 0, now)).toBe(600_000);
    // The client clock is 2 minutes behind the server: skew +120 s.
    expect(remaining('2026-04-01T09:10:00Z', 120_000, now)).toBe(480_000);
    expect(remaining('2026-04-01T08:00:00Z', 0, now)).toBe(0);
    expect(remaining(null, 0, now)).toBeNull();
  });
  it('formats the clock', () => {
    expect(formatClock(3_725_000)).toBe('1:02:05');
    expect(formatClock(59_000)).toBe('0:59');
  });
  it('warns when crossing 30, 5 and 1 minutes', () => {
    expect(warningFor(30 * 60_000 + 500, 30 * 60_000 - 500)).toBe('30 minutes left.');
    expect(warningFor(5 * 60_000 + 10, 4 * 60_000)).toBe('5 minutes left.');
    expect(warningFor(61_000, 59_000)).toBe('1 minute left.');
    expect(warningFor(20 * 60_000, 19 * 60_000)).toBeNull();
  });
});
