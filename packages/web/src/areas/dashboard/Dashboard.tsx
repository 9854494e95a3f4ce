/**
 * The dashboard: fleet size, devices by update status (chart + the same numbers as a table),
 * overdue devices, running rollouts with progress, recent failures. Everything is a count or one
 * page from the server, and live: the queries sit under the 'dashboard', 'rollouts' and
 * 'actions' roots, which the live channel refetches when targets, actions or rollouts change.
 */
import { DonutChart } from '@mantine/charts';
import { Anchor, Badge, Card, Center, ColorSwatch, Group, Loader, Progress, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { DataTable, type PageRequest } from '../../components/DataTable.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { PageTitle } from '../../components/PageTitle.js';
import { ok } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { ActionStatusBadge } from '../devices/ActionHistory.js';
import { controllerIdOf, formatTime } from '../devices/status.js';
import type { Action, Rollout } from '../devices/types.js';
import { devicesWhere, overdueHref, rolloutProgress, statusSlices } from './summary.js';

function Stat({ label, value, hint, to }: { label: string; value: number; hint: string; to?: string }) {
  const number = value.toLocaleString();
  return (
    <Card withBorder>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text fz={32} fw={700} data-testid={`stat-${label.toLowerCase().replace(/\s+/g, '-')}`}>
        {to ? (
          <Anchor component={Link} to={to} inherit aria-label={`${number} ${label.toLowerCase()}: list them`}>
            {number}
          </Anchor>
        ) : (
          number
        )}
      </Text>
      <Text size="xs" c="dimmed">
        {hint}
      </Text>
    </Card>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="sm">
        {title}
      </Title>
      {children}
    </Card>
  );
}

function FleetSummary() {
  const session = useSession();
  const summary = useQuery({ queryKey: ['dashboard', 'targetsummary'], queryFn: () => ok(session.api.GET('/rest/v1/targetsummary')) });
  if (summary.isPending) {
    return (
      <Center p="xl">
        <Loader aria-label="loading the fleet summary" />
      </Center>
    );
  }
  if (summary.error) return <ErrorNote error={summary.error} />;
  const s = summary.data;
  const slices = statusSlices(s);
  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
        <Stat label="Devices" value={s.total} hint="in this tenant" to="/devices" />
        <Stat label="Failed" value={s.byUpdateStatus.ERROR} hint="last update failed" to={devicesWhere('updateStatus==error')} />
        <Stat
          label="Overdue"
          value={s.overdue}
          hint={`no poll for longer than the polling time ${s.pollingTime} plus ${s.pollingOverdueTime}`}
          to={overdueHref(s.overdueBefore)}
        />
        <Stat label="Never polled" value={s.neverPolled} hint="created, never seen" />
      </SimpleGrid>
      <Section title="Devices by update status">
        <Group align="center" gap="xl" wrap="wrap">
          {s.total === 0 ? (
            <Text c="dimmed">No devices yet.</Text>
          ) : (
            // The chart is a picture of the table beside it, which says the same in words and numbers.
            <div role="img" aria-label="Donut chart of the devices by update status; the table gives the numbers.">
              <DonutChart
                data={slices.filter((x) => x.value > 0)}
                chartLabel={`${s.total.toLocaleString()} devices`}
                size={180}
                thickness={28}
                tooltipDataSource="segment"
                // Recharts' keyboard layer would make the picture focusable; the table is the accessible form.
                pieChartProps={{ accessibilityLayer: false }}
              />
            </div>
          )}
          <Table w="auto" miw={320}>
            <caption style={{ textAlign: 'left' }}>
              <Text size="xs" c="dimmed" component="span">
                devices by update status
              </Text>
            </caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Status</Table.Th>
                <Table.Th ta="right">Devices</Table.Th>
                <Table.Th ta="right">Share</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {slices.map((slice) => (
                <Table.Tr key={slice.status}>
                  <Table.Td>
                    <Group gap="xs">
                      <ColorSwatch color={`var(--mantine-color-${slice.color.replace('.', '-')})`} size={12} aria-hidden="true" />
                      <Anchor component={Link} to={slice.href}>
                        {slice.name}
                      </Anchor>
                    </Group>
                  </Table.Td>
                  <Table.Td ta="right">{slice.value.toLocaleString()}</Table.Td>
                  <Table.Td ta="right">{slice.percent} %</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Group>
      </Section>
    </Stack>
  );
}

const ACTIVE_ROLLOUTS = 'status=in=(starting,running,paused)';

function RunningRollouts() {
  const session = useSession();
  const columns: ColumnDef<Rollout>[] = [
    {
      id: 'name',
      header: 'Rollout',
      cell: ({ row }) => (
        <Anchor component={Link} to={`/rollouts/${row.original.id}`}>
          {row.original.name}
        </Anchor>
      ),
    },
    {
      id: 'status',
      header: 'Status',
      cell: ({ row }) => (
        <Badge variant="dot" miw="max-content">
          {row.original.status.replace(/_/g, ' ')}
        </Badge>
      ),
    },
    {
      id: 'progress',
      header: 'Progress',
      cell: ({ row }) => {
        const r = row.original;
        const { done, percent } = rolloutProgress(r);
        const c = r.totalTargetsPerStatus;
        return (
          <Stack gap={2} miw={200}>
            <Progress value={percent} aria-label={`${r.name}: ${percent} % done`} />
            <Text size="xs" c="dimmed">
              {done.toLocaleString()} of {r.totalTargets.toLocaleString()} done · {c.finished} finished, {c.error} failed, {c.running} running,{' '}
              {c.scheduled + c.notstarted} waiting
            </Text>
          </Stack>
        );
      },
    },
  ];
  return (
    <DataTable<Rollout>
      queryKey={['rollouts', 'active']}
      caption="running rollouts"
      columns={columns}
      pageSizes={[5, 10, 25]}
      empty="No rollout is running."
      fetchPage={(r: PageRequest) =>
        ok(
          session.api.GET('/rest/v1/rollouts', {
            params: { query: { q: ACTIVE_ROLLOUTS, sort: 'id:DESC', offset: String(r.offset), limit: String(r.limit) } },
          }),
        )
      }
    />
  );
}

function RecentFailures() {
  const session = useSession();
  const columns: ColumnDef<Action>[] = [
    {
      id: 'device',
      header: 'Device',
      cell: ({ row }) => {
        const id = controllerIdOf(row.original);
        return id ? (
          <Anchor component={Link} to={`/devices/${encodeURIComponent(id)}`}>
            {id}
          </Anchor>
        ) : (
          '—'
        );
      },
    },
    { id: 'id', header: 'Action', cell: ({ row }) => `#${row.original.id}` },
    { id: 'status', header: 'Status', cell: ({ row }) => <ActionStatusBadge status={row.original.status} /> },
    { id: 'code', header: 'Code', cell: ({ row }) => row.original.lastStatusCode ?? '—' },
    { id: 'lastModifiedAt', header: 'Failed at', enableSorting: true, cell: ({ row }) => formatTime(row.original.lastModifiedAt) },
  ];
  return (
    <DataTable<Action>
      queryKey={['actions', 'failures']}
      caption="recent failures"
      columns={columns}
      initialSort={[{ id: 'lastModifiedAt', desc: true }]}
      pageSizes={[10, 25, 50]}
      empty="No failed actions."
      fetchPage={(r: PageRequest) =>
        ok(
          session.api.GET('/rest/v1/actions', {
            params: { query: { q: 'status==error', sort: r.sort ?? 'lastModifiedAt:DESC', offset: String(r.offset), limit: String(r.limit) } },
          }),
        )
      }
    />
  );
}

export function Dashboard() {
  const session = useSession();
  return (
    <>
      <PageTitle>Dashboard</PageTitle>
      <Stack>
        <FleetSummary />
        <SimpleGrid cols={{ base: 1, xl: 2 }}>
          {session.can('READ_ROLLOUT') ? (
            <Section title="Running rollouts">
              <RunningRollouts />
            </Section>
          ) : null}
          <Section title="Recent failures">
            <RecentFailures />
          </Section>
        </SimpleGrid>
      </Stack>
    </>
  );
}
