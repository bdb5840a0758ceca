import { api, type Me } from './api';

/** session is the signed-in user, or null; loading is true until the first /me answers. */
export const session = $state<{ me: Me | null; loading: boolean }>({ me: null, loading: true });

export async function refresh(): Promise<void> {
  try {
    session.me = await api.me();
  } catch {
    session.me = null;
  } finally {
    session.loading = false;
  }
}

export function hasRole(role: string): boolean {
  return !!session.me?.user.roles.includes(role as never);
}
