import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { affectedRoots, invalidateFor, runLiveChannel, type Change, type LiveStatus } from './live.js';

const sse = (...events: string[]) =>
  new Response(
    new ReadableStream({
      start(controller) {
        for (const e of events) controller.enqueue(new TextEncoder().encode(e));
        controller.close();
      },
    }),
    { headers: { 'content-type': 'text/event-stream' } },
  );

describe('live channel', () => {
  it('maps a change to the query roots that show it', () => {
    const roots = affectedRoots([{ kind: 'action', id: '7' }]);
    expect(roots && [...roots].sort()).toEqual(['actions', 'audit', 'dashboard', 'rollout', 'rollouts', 'target', 'targets']);
    expect(affectedRoots([{ kind: '*' }])).toBeUndefined();
    // A kind the console does not know may matter anywhere.
    expect(affectedRoots([{ kind: 'something-new' }])).toBeUndefined();
  });

  it('refetches only the affected queries', async () => {
    const client = new QueryClient();
    client.setQueryData(['targets', 'q'], 1);
    client.setQueryData(['users'], 1);
    await invalidateFor(client, [{ kind: 'target', id: 'dev01' }]);
    expect(client.getQueryState(['targets', 'q'])?.isInvalidated).toBe(true);
    expect(client.getQueryState(['users'])?.isInvalidated).toBe(false);
  });

  it('reads change events, ignores other events, and reconnects after the stream ends', async () => {
    const received: Change[][] = [];
    const statuses: LiveStatus[] = [];
    const abort = new AbortController();
    const requests: Headers[] = [];
    let calls = 0;
    await runLiveChannel(
      {
        token: 'oss_x',
        baseUrl: 'http://server',
        fetch: async (_url, init) => {
          requests.push(new Headers(init?.headers));
          calls++;
          if (calls === 1) return sse(': heartbeat\n\n', 'event: change\ndata: {"changes":[{"kind":"target","id":"dev01"}]}\n\n', 'event: other\ndata: {}\n\n');
          return new Response(null, { status: 401 });
        },
        onChanges: (c) => received.push(c),
        onStatus: (s) => statuses.push(s),
        wait: async () => undefined,
      },
      abort.signal,
    );
    expect(requests[0]?.get('authorization')).toBe('Bearer oss_x');
    // On connecting, everything is refetched (what changed while away is unknown), then the event.
    expect(received).toEqual([[{ kind: '*' }], [{ kind: 'target', id: 'dev01' }]]);
    expect(statuses).toEqual(['connecting', 'live', 'offline', 'connecting', 'offline']);
    expect(calls).toBe(2);
  });
});
