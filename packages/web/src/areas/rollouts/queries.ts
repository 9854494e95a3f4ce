/**
 * Reads the rollout pages share: a live count of the targets a filter matches (one row asked
 * for, the total kept), and distribution sets found by name for a server-side search Select.
 */
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ok, type ManagementClient } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';

/** A search term inside an RSQL string value: quotes and backslashes cannot be escaped there. */
export const rsqlContains = (field: string, term: string): string | undefined => {
  const clean = term.replace(/["\\]/g, '').trim();
  return clean ? `${field}=="*${clean}*"` : undefined;
};

/** How many targets `q` matches, asked for once the typing pauses; the server's 400 is the error. */
export function useTargetCount(q: string, delayMs = 400) {
  const session = useSession();
  const [debounced] = useDebouncedValue(q.trim(), delayMs);
  const query = useQuery({
    queryKey: ['targets', 'count', debounced],
    queryFn: async () => (await ok(session.api.GET('/rest/v1/targets', { params: { query: { q: debounced, limit: '1' } } }))).total,
    enabled: debounced !== '',
    placeholderData: keepPreviousData,
    retry: false,
  });
  return { ...query, pending: q.trim() !== debounced || query.isFetching, asked: debounced };
}

export interface SetOption {
  value: string;
  label: string;
}

export async function searchSets(api: ManagementClient, term: string): Promise<SetOption[]> {
  const q = rsqlContains('name', term);
  const page = await ok(api.GET('/rest/v1/distributionsets', { params: { query: { ...(q ? { q } : {}), limit: '20', sort: 'name:ASC' } } }));
  return page.content.map((s) => ({ value: String(s.id), label: `${s.name} ${s.version}` }));
}

/** Names of the sets with these ids, in one request (the list shows a page of rollouts' sets). */
export async function setNames(api: ManagementClient, ids: readonly number[]): Promise<Map<number, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const page = await ok(api.GET('/rest/v1/distributionsets', { params: { query: { q: `id=in=(${unique.join(',')})`, limit: String(unique.length) } } }));
  return new Map(page.content.map((s) => [s.id, `${s.name} ${s.version}`]));
}
