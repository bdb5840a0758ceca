// Offline-safe answer queue for exam attempts. Every change is written to IndexedDB first
// (keyed by attempt and question, keeping only the newest sequence number), then sent to
// the server; it leaves the queue only when the server acknowledged that sequence. A
// reload, a crash or a lost connection therefore never loses an answer given before the
// deadline + grace.

export interface PendingSave {
  attemptId: string;
  itemId: string;
  choices: string[];
  flagged: boolean;
  seq: number;
  position?: number;
}

export interface ServerResponse {
  choices: string[];
  flagged: boolean;
  seq: number;
}

/** merge combines what the server holds with what is still queued: the higher seq wins. */
export function merge(server: Record<string, ServerResponse>, pending: PendingSave[]): Record<string, ServerResponse> {
  const out: Record<string, ServerResponse> = { ...server };
  for (const p of pending) {
    const s = out[p.itemId];
    if (!s || p.seq > s.seq) out[p.itemId] = { choices: p.choices, flagged: p.flagged, seq: p.seq };
  }
  return out;
}

/** remaining returns the time left in ms given the server's deadline and clock skew. */
export function remaining(deadline: string | null, skewMs: number, nowMs = Date.now()): number | null {
  if (!deadline) return null;
  return Math.max(0, Date.parse(deadline) - (nowMs + skewMs));
}

/** formatClock renders ms as h:mm:ss or m:ss. */
export function formatClock(ms: number): string {
  const s = Math.ceil(ms / 1000);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

/** warningFor returns the warning to announce when crossing 30, 5 or 1 minutes left. */
export function warningFor(prevMs: number | null, nowMs: number | null): string | null {
  if (prevMs === null || nowMs === null) return null;
  for (const min of [30, 5, 1]) {
    const t = min * 60_000;
    if (prevMs > t && nowMs <= t) return `${min} minute${min === 1 ? '' : 's'} left.`;
  }
  return null;
}

const DB = 'chartroom';
const STORE = 'pending-saves';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: ['attemptId', 'itemId'] });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  return new Promise((resolve, reject) => {
    const t = db.transaction(STORE, mode);
    const req = fn(t.objectStore(STORE));
    t.oncomplete = () => { resolve(req.result); db.close(); };
    t.onerror = () => { reject(t.error); db.close(); };
  });
}

/**
 * update reads the queued change for (attemptId, itemId) and, in the same readwrite
 * transaction, replaces or deletes it. One transaction matters: an acknowledgement of an
 * older change must never delete a newer one queued in between.
 */
async function update(key: [string, string], decide: (cur: PendingSave | undefined) => PendingSave | null | undefined): Promise<void> {
  const db = await open();
  return new Promise((resolve, reject) => {
    const t = db.transaction(STORE, 'readwrite');
    const store = t.objectStore(STORE);
    const get = store.get(key);
    get.onsuccess = () => {
      const next = decide(get.result as PendingSave | undefined);
      if (next === null) store.delete(key);
      else if (next) store.put(next);
    };
    t.oncomplete = () => { resolve(); db.close(); };
    t.onerror = () => { reject(t.error); db.close(); };
  });
}

/** put queues a change unless a newer one for the same question is queued. */
export function put(p: PendingSave): Promise<void> {
  return update([p.attemptId, p.itemId], (cur) => (cur && cur.seq >= p.seq ? undefined : p));
}

/** pending lists the queued changes of an attempt. */
export async function pending(attemptId: string): Promise<PendingSave[]> {
  const all = await tx<PendingSave[]>('readonly', (s) => s.getAll());
  return all.filter((p) => p.attemptId === attemptId);
}

/** ack removes a queued change once the server holds that sequence (or a newer one). */
export function ack(attemptId: string, itemId: string, seq: number): Promise<void> {
  return update([attemptId, itemId], (cur) => (cur && cur.seq <= seq ? null : undefined));
}

/** clear drops an attempt's queue (after it closed). */
export async function clear(attemptId: string): Promise<void> {
  for (const p of await pending(attemptId)) await tx('readwrite', (s) => s.delete([p.attemptId, p.itemId]));
}
