import { describe, expect, it } from 'vitest';
import { apply, type RoomState } from './room';

function snapshot(): RoomState {
  return apply({} as RoomState, {
    type: 'snapshot', seq: 5, ts: 0,
    data: { session: { id: 's', sectionId: 'x', title: 'W1', section: 'HIT', status: 'live', startedAt: '' }, you: { userId: 'u1', name: 'Ana', staff: false, muted: false },
      roster: [{ userId: 'u1', name: 'Ana', online: true, seen: true }], hands: [], chat: [], muted: [], lesson: null, poll: null, reactions: ['👍'] },
  });
}

describe('apply', () => {
  it('starts from a snapshot at its sequence number', () => {
    const s = snapshot();
    expect(s.seq).toBe(5);
    expect(s.roster).toHaveLength(1);
  });
  it('adds a chat line once even when replayed', () => {
    const s = snapshot();
    const e = { type: 'chat.message', seq: 6, ts: 0, data: { id: 'm1', userId: 'u2', name: 'Ben', text: 'hi', at: '' } };
    apply(s, e);
    apply(s, e);
    expect(s.chat.map((m) => m.id)).toEqual(['m1']);
    expect(s.seq).toBe(6);
    apply(s, { type: 'chat.deleted', seq: 7, ts: 0, data: { id: 'm1' } });
    expect(s.chat).toHaveLength(0);
  });
  it('tracks my mute, hands and the poll life cycle', () => {
    const s = snapshot();
    apply(s, { type: 'chat.muted', seq: 6, ts: 0, data: { userId: 'u1', muted: true } });
    expect(s.you.muted).toBe(true);
    apply(s, { type: 'hand.raised', seq: 7, ts: 0, data: { userId: 'u1', name: 'Ana', at: '' } });
    apply(s, { type: 'hand.lowered', seq: 8, ts: 0, data: { userId: 'u1' } });
    expect(s.hands).toHaveLength(0);
    apply(s, { type: 'poll.opened', seq: 9, ts: 0, data: { id: 'p', stem: 'Q?', options: [{ id: 'A', text: 'a' }], choose: 1, status: 'open', openedAt: '' } });
    apply(s, { type: 'poll.results', seq: 10, ts: 0, data: { id: 'p', counts: { A: 3 } } });
    expect(s.poll?.counts).toBeUndefined(); // students do not take staff results
    apply(s, { type: 'poll.revealed', seq: 11, ts: 0, data: { id: 'p', stem: 'Q?', options: [{ id: 'A', text: 'a', correct: true }], choose: 1, status: 'revealed', openedAt: '', rationale: 'because' } });
    expect(s.poll?.status).toBe('revealed');
    expect(s.poll?.rationale).toBe('because');
  });
});
