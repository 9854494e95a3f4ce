/**
 * Sign-in state. A session is the server's (POST /rest/v1/sessions): a bearer token that carries
 * the user's permissions as they are *now* on the server, with an idle and an absolute expiry.
 * The token lives in sessionStorage (this tab only, gone when it closes); the password is never kept.
 * What the console shows is shaped by `can(permission)`, but the server checks every call again.
 */
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, consoleClient, ok, type ManagementClient, type paths } from './api.js';
import { ERROR_CODES } from './errors.js';

type CreatedSession = paths['/rest/v1/sessions']['post']['responses'][201]['content']['application/json'];
export type SessionUser = CreatedSession['user'];

interface StoredSession {
  token: string;
  user: SessionUser;
  expiresAt: number;
}

export interface SignedIn {
  user: SessionUser;
  api: ManagementClient;
  /** The session's token, for the live channel (which the typed client does not stream). */
  token: string;
  can: (...permissions: string[]) => boolean;
  signOut: () => Promise<void>;
}

interface SessionState {
  session: SignedIn | undefined;
  /** Why the last session ended, when the server ended it (expired, revoked). */
  endedBecause: string | undefined;
  signIn: (input: { username: string; password: string; tenant?: string }) => Promise<void>;
}

const STORAGE_KEY = 'osprey.session';
const SessionContext = createContext<SessionState | undefined>(undefined);

function readStored(): StoredSession | undefined {
  try {
    const raw = window.sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as StoredSession) : undefined;
  } catch {
    return undefined;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [stored, setStored] = useState<StoredSession | undefined>(readStored);
  const [endedBecause, setEndedBecause] = useState<string | undefined>();

  const end = useCallback(
    (reason: string | undefined) => {
      window.sessionStorage.removeItem(STORAGE_KEY);
      setStored(undefined);
      setEndedBecause(reason);
      queryClient.clear();
    },
    [queryClient],
  );

  const endFor = useCallback(
    (error: ApiError) =>
      end(error.errorCode === ERROR_CODES.sessionExpired ? 'Your session has expired. Sign in again.' : 'You were signed out. Sign in again.'),
    [end],
  );

  // A stored session may have ended while the tab was closed or reloading (expired, signed out
  // elsewhere, its user deleted): ask the server once when the console opens, and take the user's
  // permissions as they are now rather than as they were at sign-in.
  const token = stored?.token;
  useEffect(() => {
    if (!token) return;
    const abort = new AbortController();
    // A 401 here ends the session through onUnauthorized, in the server's words (expired or not).
    const client = consoleClient({ token, onUnauthorized: (error) => !abort.signal.aborted && endFor(error) });
    void (async () => {
      // Unreachable: the console's next call will say so.
      const { data } = await client.GET('/rest/v1/sessions/current', { signal: abort.signal }).catch(() => ({ data: undefined }));
      // Only a well-formed answer replaces what is stored (a proxy's or a test's other answer does not).
      const user = data?.user;
      if (!user || !Array.isArray(user.permissions) || abort.signal.aborted) return;
      setStored((s) => {
        if (!s || s.token !== token || JSON.stringify(s.user) === JSON.stringify(user)) return s;
        const next = { ...s, user };
        window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
        return next;
      });
    })();
    return () => abort.abort();
  }, [token, endFor]);

  const session = useMemo<SignedIn | undefined>(() => {
    if (!stored) return undefined;
    const api = consoleClient({ token: stored.token, onUnauthorized: endFor });
    const permissions = new Set(stored.user.permissions);
    return {
      user: stored.user,
      api,
      token: stored.token,
      can: (...needed) => needed.every((p) => permissions.has(p)),
      signOut: async () => {
        // Revoke on the server first; the console forgets the token whatever the answer.
        await api.DELETE('/rest/v1/sessions/current').catch(() => undefined);
        end(undefined);
      },
    };
  }, [stored, end, endFor]);

  const signIn = useCallback(async (input: { username: string; password: string; tenant?: string }) => {
    // Signing in is the one call without a session: no Authorization header, and a 401 here is a wrong password, not an ended session.
    const anonymous = consoleClient({ token: '', onUnauthorized: () => undefined });
    const created = await ok(anonymous.POST('/rest/v1/sessions', { body: input, headers: { authorization: null } }));
    const next: StoredSession = { token: created.token, user: created.user, expiresAt: created.expiresAt };
    window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    setEndedBecause(undefined);
    setStored(next);
  }, []);

  const state = useMemo(() => ({ session, endedBecause, signIn }), [session, endedBecause, signIn]);
  return <SessionContext.Provider value={state}>{children}</SessionContext.Provider>;
}

export function useSessionState(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSessionState outside SessionProvider');
  return state;
}

/** The signed-in session; only inside the signed-in part of the console. */
export function useSession(): SignedIn {
  const { session } = useSessionState();
  if (!session) throw new Error('useSession without a session');
  return session;
}
