// The live room's client state and its WebSocket: a pure reducer (apply) that is easy to
// test, and RoomSocket, which connects, resumes with the last sequence number after a drop
// and feeds envelopes to the reducer. Protocol: docs/REALTIME.md.

export interface Presence { userId: string; name: string; status?: string; mode?: string; online: boolean; seen: boolean }
export interface Hand { userId: string; name: string; at: string }
export interface ChatLine { id: string; userId: string; name: string; text: string; at: string }
export interface PollOption { id: string; text: string; correct?: boolean }
export interface Poll {
  id: string; itemId?: string; stem: string; options: PollOption[]; choose: number; status: 'open' | 'closed' | 'revealed';
  openedAt: string; closesAt?: string; counts?: Record<string, number>; answered?: number; rationale?: string;
}
export interface LessonRef { courseSlug: string; lessonId: string; title: string }
export interface Reaction { userId: string; name: string; emoji: string; at: number }

export interface RoomState {
  session: { id: string; sectionId: string; title: string; section: string; status: string; startedAt: string };
  you: { userId: string; name: string; staff: boolean; muted: boolean };
  roster: Presence[];
  hands: Hand[];
  chat: ChatLine[];
  muted: string[];
  lesson: LessonRef | null;
  poll: Poll | null;
  reactions: string[];
  myResponses?: { pollId: string; choices: string[] }[];
  recentReactions: Reaction[];
  seq: number;
}

export interface Envelope { type: string; seq: number; ts: number; data?: any }

/** apply folds one room event into the state. Events are applied idempotently: a chat
 * line or hand already present is not added twice. */
export function apply(s: RoomState, e: Envelope): RoomState {
  if (e.seq > 0) s.seq = Math.max(s.seq, e.seq);
  const d = e.data ?? {};
  switch (e.type) {
    case 'snapshot': {
      const r = d as Omit<RoomState, 'seq' | 'recentReactions'>;
      return { ...r, chat: r.chat ?? [], hands: r.hands ?? [], roster: r.roster ?? [], muted: r.muted ?? [], recentReactions: [], seq: e.seq };
    }
    case 'chat.message':
      if (!s.chat.some((m) => m.id === d.id)) s.chat = [...s.chat, d].slice(-200);
      break;
    case 'chat.deleted':
      s.chat = s.chat.filter((m) => m.id !== d.id);
      break;
    case 'chat.muted':
      s.muted = d.muted ? [...new Set([...s.muted, d.userId])] : s.muted.filter((u) => u !== d.userId);
      if (d.userId === s.you.userId) s.you.muted = d.muted;
      break;
    case 'hand.raised':
      if (!s.hands.some((h) => h.userId === d.userId)) s.hands = [...s.hands, d];
      break;
    case 'hand.lowered':
      s.hands = s.hands.filter((h) => h.userId !== d.userId);
      break;
    case 'reaction':
      s.recentReactions = [...s.recentReactions, { ...d, at: e.ts }].slice(-20);
      break;
    case 'presence': {
      const i = s.roster.findIndex((p) => p.userId === d.userId);
      if (i >= 0) s.roster[i] = { ...s.roster[i], ...d, name: d.name || s.roster[i].name };
      else s.roster = [...s.roster, d];
      break;
    }
    case 'poll.opened':
    case 'poll.results':
      if (e.type === 'poll.opened' || s.you.staff) s.poll = { ...(s.poll?.id === d.id ? s.poll : {}), ...d };
      break;
    case 'poll.closed':
      if (s.poll && s.poll.id === d.pollId) s.poll = { ...s.poll, status: 'closed' };
      break;
    case 'poll.revealed':
      s.poll = d;
      break;
    case 'lesson.presented':
      s.lesson = d;
      break;
    case 'lesson.cleared':
      s.lesson = null;
      break;
    case 'session.started':
      s.session = { ...s.session, status: 'live' };
      break;
    case 'session.ended':
      s.session = { ...s.session, status: 'ended' };
      break;
  }
  return s;
}

export type Status = 'connecting' | 'live' | 'reconnecting' | 'closed';

/** RoomSocket keeps a room connection open: after a drop it reconnects with backoff and
 * resumes from the last sequence number it applied. */
export class RoomSocket {
  private ws: WebSocket | null = null;
  private seq = -1;
  private attempt = 0;
  private stopped = false;
  private offline = false;
  private ended = false;
  private refs = 0;
  private pending = new Map<string, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private sessionId: string,
    private onEnvelope: (e: Envelope) => void,
    private onStatus: (s: Status, detail?: string) => void,
  ) {}

  open() {
    this.stopped = false;
    this.connect();
    addEventListener('online', this.wake);
    addEventListener('offline', this.sleep);
  }

  close() {
    this.stopped = true;
    clearTimeout(this.timer);
    removeEventListener('online', this.wake);
    removeEventListener('offline', this.sleep);
    this.ws?.close(1000);
  }

  // The browser says the network is gone: drop the socket now rather than wait for the
  // heartbeat, and reconnect (resuming) when it is back.
  private sleep = () => {
    if (this.stopped) return;
    this.offline = true;
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000);
    this.onStatus('reconnecting', 'You are offline.');
  };

  private wake = () => {
    this.offline = false;
    if (!this.stopped && (!this.ws || this.ws.readyState === WebSocket.CLOSED)) {
      clearTimeout(this.timer);
      this.attempt = 0;
      this.connect();
    }
  };

  private connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const q = this.seq >= 0 ? `?since=${this.seq}` : '';
    this.onStatus(this.seq >= 0 ? 'reconnecting' : 'connecting');
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/sessions/${encodeURIComponent(this.sessionId)}/ws${q}`);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.onStatus('live');
    };
    ws.onmessage = (m) => {
      let e: Envelope;
      try {
        e = JSON.parse(m.data);
      } catch {
        return;
      }
      if (e.type === 'ack' || e.type === 'error') {
        const p = this.pending.get(e.data?.ref);
        if (p) {
          this.pending.delete(e.data.ref);
          if (e.type === 'ack') p.resolve(e.data.result);
          else p.reject(new Error(e.data.message || 'Refused.'));
          return;
        }
      }
      if (e.seq > 0 || e.type === 'snapshot') this.seq = Math.max(e.type === 'snapshot' ? e.seq : this.seq, e.seq);
      if (e.type === 'session.ended') this.ended = true;
      this.onEnvelope(e);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      for (const p of this.pending.values()) p.reject(new Error('Connection lost.'));
      this.pending.clear();
      if (this.stopped || this.ended || ev.code === 4010) {
        this.onStatus('closed', this.ended || ev.code === 4010 ? 'The session has ended.' : '');
        return;
      }
      // Exponential backoff with jitter, at most 10 s.
      const delay = Math.min(10000, 500 * 2 ** this.attempt++) * (0.5 + Math.random() / 2);
      this.onStatus('reconnecting', ev.code === 4008 ? 'Your connection was too slow; reconnecting.' : '');
      this.timer = setTimeout(() => {
        if (!this.offline) this.connect();
      }, delay);
    };
  }

  /** send sends a message and resolves with the server's ack (or rejects with its error). */
  send(type: string, data?: unknown): Promise<any> {
    const ref = String(++this.refs);
    return new Promise((resolve, reject) => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
        reject(new Error('Not connected; trying again shortly.'));
        return;
      }
      this.pending.set(ref, { resolve, reject });
      this.ws.send(JSON.stringify({ type, ref, data }));
    });
  }
}
