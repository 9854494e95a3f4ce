/** The software modules: searched and sorted by the server, one page at a time. */
import { Anchor, Badge } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ColumnDef } from '@tanstack/react-table';
import { Link } from 'react-router';
import { DataTable } from '../../components/DataTable.js';
import { ok } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { pageQuery } from './api.js';
import { formatTime } from './format.js';
import { NewModuleModal } from './NewModuleModal.js';
import { PermissionButton } from '../../components/PermissionButton.js';
import { SearchBox, useSearch } from './SearchBox.js';
import type { SoftwareModule } from './types.js';

const columns: ColumnDef<SoftwareModule>[] = [
  {
    id: 'name',
    header: 'Name',
    enableSorting: true,
    cell: ({ row }) => (
      <Anchor component={Link} to={`/software/${row.original.id}`}>
        {row.original.name}
      </Anchor>
    ),
  },
  { id: 'version', header: 'Version', accessorKey: 'version', enableSorting: true },
  { id: 'type', header: 'Type', accessorKey: 'type', enableSorting: true },
  { id: 'vendor', header: 'Vendor', cell: ({ row }) => row.original.vendor ?? '—' },
  {
    id: 'encrypted',
    header: 'Encryption',
    cell: ({ row }) =>
      row.original.encrypted ? (
        <Badge variant="light">encrypted</Badge>
      ) : (
        <Badge variant="outline" color="gray">
          plain
        </Badge>
      ),
  },
  { id: 'createdAt', header: 'Created', enableSorting: true, cell: ({ row }) => formatTime(row.original.createdAt) },
];

export function ModuleList() {
  const session = useSession();
  const search = useSearch(['name', 'version', 'vendor']);
  const [opened, { open, close }] = useDisclosure();
  return (
    <>
      <PermissionButton needs="CREATE_SOFTWARE_MODULE" onClick={open} mb="md">
        New software module
      </PermissionButton>
      <SearchBox label="Search modules" description="By name, version or vendor" {...search} />
      <DataTable<SoftwareModule>
        queryKey={['softwaremodules', search.q]}
        caption="software modules"
        columns={columns}
        initialSort={[{ id: 'name', desc: false }]}
        fetchPage={async (request) => ok(session.api.GET('/rest/v1/softwaremodules', { params: { query: pageQuery(request, search.q) } }))}
      />
      {opened ? <NewModuleModal opened onClose={close} /> : null}
    </>
  );
}
