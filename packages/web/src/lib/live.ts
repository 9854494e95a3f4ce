/**
 * The live channel: GET /rest/v1/events, server-sent events of what changed in the tenant
 * (`event: change`, `data: {"changes":[{"kind":"target","id":"dev01"},…]}`), coalesced by the server.
 * Each change invalidates the queries that show that kind of thing, so TanStack Query refetches
 * what is on screen — counts and progress follow within the server's flush interval, no reload.
 * fetch, not EventSource: EventSource cannot send the Authorization header.
 */
import type { QueryClient } from '@tanstack/react-query';
import { EventSourceParserStream } from 'eventsource-parser/stream';

export interface Change {
  kind: string;
  id?: string;
}

/**
 * Query keys start with one of these roots (`['targets', params]`, `['target', id]`…); a change of
 * a kind refetches every query under the roots it affects. `*` means "anything may have changed".
 */
const AFFECTS: Record<string, readonly string[]> = {
  target: ['targets', 'target', 'dashboard', 'targetfilters', 'rollouts', 'rollout'],
  action: ['actions', 'target', 'targets', 'rollouts', 'rollout', 'dashboard'],
  rollout: ['rollouts', 'rollout', 'dashboard'],
  distributionset: ['distributionsets', 'distributionset', 'releases'],
  softwaremodule: ['softwaremodules', 'softwaremodule', 'distributionset'],
  artifact: ['softwaremodules', 'softwaremodule'],
  tuf: ['tuf', 'releases', 'distributionset'],
  'tuf-key': ['tuf'],
  user: ['users'],
  apitoken: ['apitokens'],
  config: ['config'],
  targetfilter: ['targetfilters'],
  targettag: ['targettags', 'target'],
  distributionsettag: ['distributionsettags', 'distributionset'],
  targettype: ['targettypes'],
  softwaremoduletype: ['softwaremoduletypes'],
  distributionsettype: ['distributionsettypes'],
  tenant: ['config'],
};

/** The query roots to refetch for a batch of changes; undefined means all. */
export function affectedRoots(changes: readonly Change[]): Set<string> | undefined {
  const roots = new Set<string>(['audit']);
  for (const change of changes) {
    const affected = AFFECTS[change.kind];
    if (change.kind === '*' || !affected) return undefined;
    for (const root of affected) roots.add(root);
  }
  return roots;
}

export async function invalidateFor(queryClient: QueryClient, changes: readonly Change[]): Promise<void> {
  const roots = affectedRoots(changes);
  await queryClient.invalidateQueries(roots ? { predicate: (query) => roots.has(String(query.queryKey[0])) } : undefined);
}

export type LiveStatus = 'connecting' | 'live' | 'offline';

export interface LiveChannelOptions {
  token: string;
  onChanges: (changes: Change[]) => void;
  onStatus: (status: LiveStatus) => void;
  baseUrl?: string;
  fetch?: typeof globalThis.fetch;
  /** Waits before reconnecting; injectable so tests need not sleep. */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const defaultWait = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Connects and stays connected (backing off 1 s … 15 s between tries) until `signal` aborts. */
export async function runLiveChannel(options: LiveChannelOptions, signal: AbortSignal): Promise<void> {
  const fetcher = options.fetch ?? globalThis.fetch.bind(globalThis);
  const wait = options.wait ?? defaultWait;
  const base = options.baseUrl ?? window.location.origin;
  let backoff = 1000;
  while (!signal.aborted) {
    options.onStatus('connecting');
    try {
      const response = await fetcher(`${base}/rest/v1/events`, {
        headers: { authorization: `Bearer ${options.token}`, accept: 'text/event-stream' },
        signal,
      });
      if (response.status === 401 || response.status === 403) {
        // Not signed in (any more), or no permission to watch: the typed calls say why.
        options.onStatus('offline');
        return;
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      options.onStatus('live');
      backoff = 1000;
      // Anything may have changed while the channel was down.
      options.onChanges([{ kind: '*' }]);
      const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
      const reader = events.getReader();
      for (;;) {
        const { done, value: event } = await reader.read();
        if (done) break;
        if (event.event !== 'change') continue;
        const parsed = JSON.parse(event.data) as { changes?: Change[] };
        if (Array.isArray(parsed.changes) && parsed.changes.length > 0) options.onChanges(parsed.changes);
      }
    } catch {
      if (signal.aborted) return;
    }
    options.onStatus('offline');
    await wait(backoff, signal);
    backoff = Math.min(backoff * 2, 15_000);
  }
}
