/**
 * Releases and trust (/trust): the releases awaiting approval, the tenant's TUF roles with keys,
 * thresholds and expiry, the root ceremony and offline targets signing. A set's own release
 * (publish, approve) is on its page, /distributionsets/:id.
 */
import { Anchor, Stack, Title } from '@mantine/core';
import type { ColumnDef } from '@tanstack/react-table';
import { Link } from 'react-router';
import { DataTable } from '../components/DataTable.js';
import { PageTitle } from '../components/PageTitle.js';
import { ok } from '../lib/api.js';
import { useSession } from '../lib/session.js';
import { pageQuery } from '../areas/software/api.js';
import { formatTime } from '../areas/software/format.js';
import type { DistributionSet } from '../areas/software/types.js';
import { PendingTargets } from '../areas/trust/PendingTargets.js';
import { ReleaseBadge } from '../areas/trust/ReleasePanel.js';
import { RootCeremony } from '../areas/trust/RootCeremony.js';
import { TufRoles } from '../areas/trust/TufRoles.js';

const pendingColumns: ColumnDef<DistributionSet>[] = [
  {
    id: 'name',
    header: 'Distribution set',
    enableSorting: true,
    cell: ({ row }) => (
      <Anchor component={Link} to={`/distributionsets/${row.original.id}`}>
        {`${row.original.name} ${row.original.version}`}
      </Anchor>
    ),
  },
  { id: 'releaseState', header: 'Release', cell: ({ row }) => <ReleaseBadge state={row.original.releaseState} /> },
  { id: 'lastModifiedAt', header: 'Requested', cell: ({ row }) => formatTime(row.original.lastModifiedAt) },
];

export default function Trust() {
  const session = useSession();
  const q = 'releaseState==pending_approval';
  return (
    <>
      <PageTitle>Releases and trust</PageTitle>
      <Stack gap="xl">
        <section aria-label="releases awaiting approval">
          <Title order={2} size="h3" mb="xs">
            Releases awaiting approval
          </Title>
          <DataTable<DistributionSet>
            queryKey={['distributionsets', 'pending-approval']}
            caption="releases awaiting approval"
            columns={pendingColumns}
            empty="No release awaits approval."
            fetchPage={(request) => ok(session.api.GET('/rest/v1/distributionsets', { params: { query: pageQuery(request, q) } }))}
          />
        </section>
        <section aria-label="TUF roles">
          <Title order={2} size="h3" mb="xs">
            TUF roles
          </Title>
          <TufRoles />
        </section>
        <RootCeremony />
        <PendingTargets />
      </Stack>
    </>
  );
}
