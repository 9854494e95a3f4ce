/** The distribution sets: searched, filtered by release state and sorted by the server. */
import { Anchor, Group, SegmentedControl, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ColumnDef } from '@tanstack/react-table';
import { useState } from 'react';
import { Link } from 'react-router';
import { DataTable } from '../../components/DataTable.js';
import { ok } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { pageQuery } from '../software/api.js';
import { formatTime } from '../software/format.js';
import { PermissionButton } from '../../components/PermissionButton.js';
import { SearchBox, useSearch } from '../software/SearchBox.js';
import type { DistributionSet } from '../software/types.js';
import { ReleaseBadge } from '../trust/ReleasePanel.js';
import { NewSetModal } from './NewSetModal.js';

export const setColumns: ColumnDef<DistributionSet>[] = [
  {
    id: 'name',
    header: 'Name',
    enableSorting: true,
    cell: ({ row }) => (
      <Anchor component={Link} to={`/distributionsets/${row.original.id}`}>
        {row.original.name}
      </Anchor>
    ),
  },
  { id: 'version', header: 'Version', accessorKey: 'version', enableSorting: true },
  { id: 'type', header: 'Type', accessorKey: 'type', enableSorting: true },
  {
    id: 'modules',
    header: 'Modules',
    cell: ({ row }) =>
      row.original.modules.length === 0 ? (
        <Text size="sm" c="dimmed">
          none (incomplete)
        </Text>
      ) : (
        row.original.modules.map((m) => `${m.name} ${m.version}`).join(', ')
      ),
  },
  { id: 'releaseState', header: 'Release', enableSorting: true, cell: ({ row }) => <ReleaseBadge state={row.original.releaseState} /> },
  { id: 'createdAt', header: 'Created', enableSorting: true, cell: ({ row }) => formatTime(row.original.createdAt) },
];

const RELEASE_FILTERS = [
  { value: 'all', label: 'All' },
  { value: 'draft', label: 'Not released' },
  { value: 'pending_approval', label: 'Awaiting approval' },
  { value: 'released', label: 'Released' },
];

export function SetList() {
  const session = useSession();
  const search = useSearch(['name', 'version', 'description']);
  const [release, setRelease] = useState('all');
  const [opened, { open, close }] = useDisclosure();
  const q = [search.q && `(${search.q})`, release !== 'all' && `releaseState==${release}`].filter(Boolean).join(';') || undefined;
  return (
    <>
      <PermissionButton needs="CREATE_DISTRIBUTION_SET" onClick={open} mb="md">
        New distribution set
      </PermissionButton>
      <Group align="flex-end" mb="sm">
        <SearchBox label="Search distribution sets" description="By name, version or description" {...search} />
        <Stack gap={4} mb="sm">
          <Text size="sm" fw={500} id="release-filter-label">
            Release state
          </Text>
          <SegmentedControl aria-labelledby="release-filter-label" data={RELEASE_FILTERS} value={release} onChange={setRelease} />
        </Stack>
      </Group>
      <DataTable<DistributionSet>
        queryKey={['distributionsets', q]}
        caption="distribution sets"
        columns={setColumns}
        initialSort={[{ id: 'name', desc: false }]}
        fetchPage={async (request) => ok(session.api.GET('/rest/v1/distributionsets', { params: { query: pageQuery(request, q) } }))}
      />
      {opened ? <NewSetModal opened onClose={close} /> : null}
    </>
  );
}
