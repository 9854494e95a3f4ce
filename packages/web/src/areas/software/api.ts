/** This area's calls through the typed client, shared by the lists, the pickers and the pages. */
import { ok, type ManagementClient } from '../../lib/api.js';
import type { PageRequest } from '../../components/DataTable.js';
import { searchQuery } from './format.js';
import type { Option } from './RemoteSelect.js';

export const pageQuery = (request: PageRequest, q: string | undefined) => ({
  offset: String(request.offset),
  limit: String(request.limit),
  ...(request.sort ? { sort: request.sort } : {}),
  ...(q ? { q } : {}),
});

/** Module types whose name or key contains the text, as options keyed by the type's key. */
export async function moduleTypeOptions(api: ManagementClient, text: string): Promise<Option[]> {
  const q = searchQuery(text, ['name', 'key']);
  const page = await ok(api.GET('/rest/v1/softwaremoduletypes', { params: { query: { limit: '20', sort: 'name:ASC', ...(q ? { q } : {}) } } }));
  return page.content.map((t) => ({ value: t.key, label: `${t.name} (${t.key})` }));
}

/** Module types as options keyed by their id (what distribution set types reference). */
export async function moduleTypeIdOptions(api: ManagementClient, text: string): Promise<Option[]> {
  const q = searchQuery(text, ['name', 'key']);
  const page = await ok(api.GET('/rest/v1/softwaremoduletypes', { params: { query: { limit: '20', sort: 'name:ASC', ...(q ? { q } : {}) } } }));
  return page.content.map((t) => ({ value: String(t.id), label: `${t.name} (${t.key})` }));
}

export async function setTypeOptions(api: ManagementClient, text: string): Promise<Option[]> {
  const q = searchQuery(text, ['name', 'key']);
  const page = await ok(api.GET('/rest/v1/distributionsettypes', { params: { query: { limit: '20', sort: 'name:ASC', ...(q ? { q } : {}) } } }));
  return page.content.map((t) => ({ value: t.key, label: `${t.name} (${t.key})` }));
}

export async function moduleOptions(api: ManagementClient, text: string): Promise<Option[]> {
  const q = searchQuery(text, ['name', 'version']);
  const page = await ok(api.GET('/rest/v1/softwaremodules', { params: { query: { limit: '20', sort: 'name:ASC', ...(q ? { q } : {}) } } }));
  return page.content.map((m) => ({ value: String(m.id), label: `${m.name} ${m.version} (${m.type})` }));
}
