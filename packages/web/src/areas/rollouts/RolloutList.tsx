/** /rollouts: the tenant's rollouts, a page at a time, with each one's status and progress. */
import { Anchor, Progress, Stack, Text } from '@mantine/core';
import { createColumnHelper } from '@tanstack/react-table';
import { Link, useNavigate } from 'react-router';
import { DataTable, type PageRequest } from '../../components/DataTable.js';
import { PageTitle } from '../../components/PageTitle.js';
import { ok } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { PermissionButton } from '../../components/PermissionButton.js';
import { progressOf, type Rollout } from './model.js';
import { setNames } from './queries.js';
import { StatusBadge } from './StatusBadge.js';

type Row = Rollout & { setName: string | undefined };
const column = createColumnHelper<Row>();

export function RolloutProgress({ rollout }: { rollout: Pick<Rollout, 'totalTargets' | 'totalTargetsPerStatus'> }) {
  const p = progressOf(rollout);
  return (
    <Stack gap={2} miw={140}>
      <Progress.Root size="md">
        <Progress.Section value={p.finishedPercent} color="green" aria-label={`finished: ${p.text}`} />
        <Progress.Section value={p.errorPercent} color="red" aria-label="failed" />
      </Progress.Root>
      <Text size="xs" c="dimmed">
        {p.text}
      </Text>
    </Stack>
  );
}

const columns = [
  column.accessor('name', {
    header: 'Name',
    cell: (c) => (
      <Anchor component={Link} to={`/rollouts/${c.row.original.id}`}>
        {c.getValue()}
      </Anchor>
    ),
  }),
  column.accessor('setName', {
    header: 'Distribution set',
    cell: (c) => (
      <Anchor component={Link} to={`/distributionsets/${c.row.original.distributionSetId}`}>
        {c.getValue() ?? `set ${c.row.original.distributionSetId}`}
      </Anchor>
    ),
  }),
  column.accessor('status', { header: 'Status', cell: (c) => <StatusBadge status={c.getValue()} /> }),
  column.display({ id: 'progress', header: 'Progress', cell: (c) => <RolloutProgress rollout={c.row.original} /> }),
  column.accessor('totalGroups', { header: 'Groups' }),
  column.accessor('createdAt', {
    header: 'Created',
    cell: (c) => <time dateTime={new Date(c.getValue()).toISOString()}>{new Date(c.getValue()).toLocaleString()}</time>,
  }),
];

export function RolloutList() {
  const session = useSession();
  const mayCreate = session.can('CREATE_ROLLOUT', 'READ_TARGET', 'READ_DISTRIBUTION_SET');
  const fetchPage = async (r: PageRequest) => {
    const page = await ok(session.api.GET('/rest/v1/rollouts', { params: { query: { offset: String(r.offset), limit: String(r.limit) } } }));
    // One request for the names of this page's sets; a set that cannot be read shows its id.
    const names = session.can('READ_DISTRIBUTION_SET')
      ? await setNames(
          session.api,
          page.content.map((p) => p.distributionSetId),
        ).catch(() => new Map())
      : new Map();
    return { content: page.content.map((p) => ({ ...p, setName: names.get(p.distributionSetId) as string | undefined })), total: page.total };
  };
  const navigate = useNavigate();
  return (
    <>
      <PageTitle
        actions={
          <PermissionButton
            blocked={mayCreate ? undefined : 'Needs the permissions CREATE_ROLLOUT, READ_TARGET and READ_DISTRIBUTION_SET.'}
            onClick={() => void navigate('/rollouts/new')}
          >
            New rollout
          </PermissionButton>
        }
      >
        Rollouts
      </PageTitle>
      <DataTable<Row> queryKey={['rollouts']} caption="rollouts" fetchPage={fetchPage} columns={columns} empty="No rollouts yet." />
    </>
  );
}
