/**
 * /devices: the fleet, one server page at a time. The RSQL filter lives in the URL (?q=…), so a
 * filtered view is a link; the builder and saved filters only write that parameter.
 */
import { Anchor, Badge, Button, Collapse, Group, Paper, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { DataTable, type PageRequest } from '../../components/DataTable.js';
import { PageTitle } from '../../components/PageTitle.js';
import { ApiError, ok } from '../../lib/api.js';
import { describeError } from '../../lib/errors.js';
import { useSession } from '../../lib/session.js';
import { FilterBuilder } from './FilterBuilder.js';
import { SavedFilters } from './SavedFilters.js';
import { ago, formatTime, updateStatusLook } from './status.js';
import type { Target } from './types.js';

export function UpdateStatusBadge({ status }: { status: string }) {
  const look = updateStatusLook(status);
  return (
    <Tooltip label={look.hint}>
      <Badge color={look.color} variant="dot" tabIndex={0} miw="max-content">
        {look.label}
      </Badge>
    </Tooltip>
  );
}

/** The installed set of one row: asked per visible row (the target list does not carry it). */
function InstalledSet({ controllerId }: { controllerId: string }) {
  const session = useSession();
  const query = useQuery({
    queryKey: ['target', controllerId, 'installedDS'],
    // 204 (no set) is null: TanStack Query refuses undefined as data.
    queryFn: async () => (await ok(session.api.GET('/rest/v1/targets/{controllerId}/installedDS', { params: { path: { controllerId } } }))) ?? null,
    staleTime: 30_000,
  });
  if (query.isPending) return <Text c="dimmed">…</Text>;
  if (query.error) return <Text c="red">{describeError(query.error).title}</Text>;
  if (!query.data) return <Text c="dimmed">none</Text>;
  return (
    <Anchor component={Link} to={`/distributionsets/${query.data.id}`}>
      {query.data.name} {query.data.version}
    </Anchor>
  );
}

export function DeviceList() {
  const session = useSession();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [draft, setDraft] = useState(q);
  const [shownQ, setShownQ] = useState(q);
  const [filterError, setFilterError] = useState<ApiError | undefined>();
  const [builderOpen, builder] = useDisclosure(false);
  const now = Date.now();
  // The box follows the URL (back/forward, a saved filter applied) unless the user is typing.
  if (q !== shownQ) {
    setShownQ(q);
    setDraft(q);
    setFilterError(undefined);
  }

  const apply = (next: string) => {
    const trimmed = next.trim();
    setFilterError(undefined);
    setDraft(trimmed);
    setParams(trimmed ? { q: trimmed } : {});
  };
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    apply(draft);
  };

  const fetchPage = async (r: PageRequest) => {
    try {
      const page = await ok(
        session.api.GET('/rest/v1/targets', {
          params: { query: { offset: String(r.offset), limit: String(r.limit), ...(r.sort ? { sort: r.sort } : {}), ...(q ? { q } : {}) } },
        }),
      );
      setFilterError(undefined);
      return page;
    } catch (error) {
      // A 400 here is the filter's fault: say so at the box as well as over the table.
      if (error instanceof ApiError && error.status === 400) setFilterError(error);
      throw error;
    }
  };

  const columns: ColumnDef<Target>[] = [
    {
      id: 'controllerId',
      header: 'Controller id',
      enableSorting: true,
      cell: ({ row }) => (
        <Anchor component={Link} to={`/devices/${encodeURIComponent(row.original.controllerId)}`}>
          {row.original.controllerId}
        </Anchor>
      ),
    },
    { id: 'name', header: 'Name', accessorKey: 'name', enableSorting: true },
    { id: 'updateStatus', header: 'Update status', enableSorting: true, cell: ({ row }) => <UpdateStatusBadge status={row.original.updateStatus} /> },
    {
      id: 'lastControllerRequestAt',
      header: 'Last poll',
      enableSorting: true,
      cell: ({ row }) => (
        <Tooltip label={formatTime(row.original.lastControllerRequestAt)}>
          <Text size="sm" component="span" tabIndex={0}>
            {ago(row.original.lastControllerRequestAt, now)}
          </Text>
        </Tooltip>
      ),
    },
    ...(session.can('READ_DISTRIBUTION_SET')
      ? [{ id: 'installed', header: 'Installed set', cell: ({ row }) => <InstalledSet controllerId={row.original.controllerId} /> } satisfies ColumnDef<Target>]
      : []),
    { id: 'createdAt', header: 'Created', enableSorting: true, cell: ({ row }) => formatTime(row.original.createdAt) },
  ];

  return (
    <>
      <PageTitle>Devices</PageTitle>
      <Paper withBorder p="sm" mb="md">
        <Stack gap="sm">
          <form onSubmit={submit} role="search" aria-label="filter devices">
            <Group align="flex-start" gap="xs">
              <TextInput
                label="Filter (RSQL)"
                placeholder='e.g. updateStatus==error;controllerId=="gw-*"'
                description="Press Enter to search. Fields: controllerId, name, description, address, updateStatus, lastControllerRequestAt, createdAt, attribute.<name>"
                value={draft}
                onChange={(e) => setDraft(e.currentTarget.value)}
                error={filterError ? describeError(filterError).message : undefined}
                style={{ flex: 1 }}
                maxLength={4096}
              />
              <Button type="submit" mt={24}>
                Search
              </Button>
              {q ? (
                <Button variant="default" mt={24} onClick={() => apply('')}>
                  Clear
                </Button>
              ) : null}
            </Group>
          </form>
          <Group justify="space-between" align="flex-end">
            <SavedFilters q={q} onApply={apply} />
            <Button variant="default" onClick={builder.toggle} aria-expanded={builderOpen}>
              {builderOpen ? 'Hide filter builder' : 'Filter builder'}
            </Button>
          </Group>
          <Collapse expanded={builderOpen}>
            <FilterBuilder onApply={apply} />
          </Collapse>
        </Stack>
      </Paper>
      <DataTable<Target>
        queryKey={['targets', 'list', q]}
        caption="devices"
        fetchPage={fetchPage}
        columns={columns}
        empty={filterError ? 'Fix the filter to see devices.' : q ? 'No device matches this filter.' : 'No devices yet.'}
      />
    </>
  );
}
