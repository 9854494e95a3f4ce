/**
 * /rollouts/:id: one rollout, live — its status and progress, the operator's commands (each
 * offered only in the states the server accepts it and with the permission it needs), each
 * group's progress as a stacked bar chart with the same counts as a table, and the targets of a
 * chosen group.
 */
import { Anchor, Badge, Center, Code, Group, Loader, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import { BarChart } from '@mantine/charts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createColumnHelper } from '@tanstack/react-table';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { DataTable, type PageRequest } from '../../components/DataTable.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { PageTitle } from '../../components/PageTitle.js';
import { ok } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { notify } from '../shared/notify.js';
import { PermissionButton } from '../../components/PermissionButton.js';
import { CONTROLS, CONTROL_LABELS, SERIES, controlState, groupChartData, groupStatusColor, type Control, type Rollout, type RolloutGroup } from './model.js';
import { RolloutProgress } from './RolloutList.js';
import { setNames } from './queries.js';
import { StatusBadge } from './StatusBadge.js';

export function RolloutPage() {
  const { id = '' } = useParams();
  const session = useSession();
  const rollout = useQuery({
    queryKey: ['rollout', id],
    queryFn: async () => ok(session.api.GET('/rest/v1/rollouts/{id}', { params: { path: { id } } })),
  });
  const groups = useQuery({
    queryKey: ['rollout', id, 'groups'],
    queryFn: async () => (await ok(session.api.GET('/rest/v1/rollouts/{id}/deploygroups', { params: { path: { id } } }))).content,
  });

  if (rollout.isPending)
    return (
      <Center p="xl">
        <Loader aria-label="loading the rollout" />
      </Center>
    );
  if (rollout.error)
    return (
      <>
        <PageTitle>Rollout</PageTitle>
        <ErrorNote error={rollout.error} />
        <Anchor component={Link} to="/rollouts">
          All rollouts
        </Anchor>
      </>
    );
  const r = rollout.data;
  return (
    <>
      <PageTitle>{r.name}</PageTitle>
      <Text mb="md">
        <Anchor component={Link} to="/rollouts">
          ← All rollouts
        </Anchor>
      </Text>
      <SimpleGrid cols={{ base: 1, md: 2 }} mb="md">
        <Paper withBorder p="md">
          <Stack gap="xs">
            <Group>
              <Text fw={600}>Status</Text>
              <StatusBadge status={r.status} testId="rollout-status" />
            </Group>
            <RolloutProgress rollout={r} />
            <Details rollout={r} />
          </Stack>
        </Paper>
        <Controls rollout={r} groups={groups.data ?? []} />
      </SimpleGrid>
      <Groups rolloutId={id} groups={groups.data} loading={groups.isPending} error={groups.error} />
    </>
  );
}

function Details({ rollout: r }: { rollout: Rollout }) {
  const session = useSession();
  const set = useQuery({
    queryKey: ['distributionsets', 'names', r.distributionSetId],
    queryFn: async () => (await setNames(session.api, [r.distributionSetId])).get(r.distributionSetId),
    enabled: session.can('READ_DISTRIBUTION_SET'),
  });
  const rows: Array<[string, React.ReactNode]> = [
    ['Target filter', <Code key="q">{r.targetFilterQuery}</Code>],
    [
      'Distribution set',
      <Anchor key="ds" component={Link} to={`/distributionsets/${r.distributionSetId}`}>
        {set.data ?? `set ${r.distributionSetId}`}
      </Anchor>,
    ],
    ['Targets', `${r.totalTargets.toLocaleString()} in ${r.totalGroups} groups`],
    ['Action type', r.type],
    ['Created', `${new Date(r.createdAt).toLocaleString()}${r.createdBy ? ` by ${r.createdBy}` : ''}`],
  ];
  if (r.startAt !== undefined) rows.push(['Starts at', new Date(r.startAt).toLocaleString()]);
  if (r.forcetime !== undefined) rows.push(['Forced from', new Date(r.forcetime).toLocaleString()]);
  if (r.dynamic) rows.push(['Dynamic', 'devices matching later join new groups']);
  if (r.approveDecidedBy) rows.push(['Approval decided by', `${r.approveDecidedBy}${r.approvalRemark ? `: “${r.approvalRemark}”` : ''}`]);
  return (
    <Table>
      <Table.Tbody>
        {rows.map(([what, value]) => (
          <Table.Tr key={what}>
            <Table.Th scope="row" w={170}>
              {what}
            </Table.Th>
            <Table.Td>{value}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function Controls({ rollout, groups }: { rollout: Rollout; groups: RolloutGroup[] }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [remark, setRemark] = useState('');
  const path = { id: String(rollout.id) };
  const command = useMutation({
    mutationFn: async (control: Control) => {
      switch (control) {
        case 'approve':
        case 'deny':
          return ok(session.api.POST(`/rest/v1/rollouts/{id}/${control}`, { params: { path, query: remark.trim() ? { remark: remark.trim() } : {} } }));
        case 'retry':
          return ok(session.api.POST('/rest/v1/rollouts/{id}/retry', { params: { path } }));
        default:
          return ok(session.api.POST(`/rest/v1/rollouts/{id}/${control}`, { params: { path } }));
      }
    },
    onSuccess: async (result, control) => {
      await queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] === 'rollout' || q.queryKey[0] === 'rollouts' });
      if (control === 'retry') {
        notify('green', 'Retry created', `${result.name} over the ${result.totalTargets} devices that failed.`);
        void navigate(`/rollouts/${result.id}`);
      } else notify('green', `${CONTROL_LABELS[control]}: done`, `${rollout.name} is now ${result.status.replace(/_/g, ' ')}.`);
      if (control === 'approve' || control === 'deny') setRemark('');
    },
  });
  const can = (...p: string[]) => session.can(...p);
  const approvable = controlState('approve', rollout, groups, can).enabled;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="controls-title">
      <Title order={2} size="h4" mb="sm" id="controls-title">
        Controls
      </Title>
      {approvable ? (
        <TextInput
          label="Approval remark"
          description="Kept with your decision (optional)."
          value={remark}
          onChange={(e) => setRemark(e.currentTarget.value)}
          maxLength={1024}
          mb="sm"
        />
      ) : null}
      {approvable && rollout.createdBy === `user:${session.user.username}` ? (
        <Text size="sm" mb="sm">
          You created this rollout: four-eyes approval needs someone else to approve or deny it.
        </Text>
      ) : null}
      <Group gap="xs" mb="sm">
        {CONTROLS.map((control) => {
          const state = controlState(control, rollout, groups, can);
          return (
            <PermissionButton
              key={control}
              blocked={state.reason}
              variant={control === 'stop' || control === 'deny' ? 'outline' : 'filled'}
              color={control === 'stop' || control === 'deny' ? 'red.9' : undefined}
              loading={command.isPending && command.variables === control}
              onClick={() => command.mutate(control)}
            >
              {CONTROL_LABELS[control]}
            </PermissionButton>
          );
        })}
      </Group>
      {command.error ? (
        <>
          <Text size="sm" fw={600}>
            {CONTROL_LABELS[command.variables ?? 'start']} was refused:
          </Text>
          <ErrorNote error={command.error} />
        </>
      ) : null}
      <Text size="xs" c="dimmed">
        Buttons that cannot be used now say why when you point at or focus them.
      </Text>
    </Paper>
  );
}

function Groups({ rolloutId, groups, loading, error }: { rolloutId: string; groups: RolloutGroup[] | undefined; loading: boolean; error: unknown }) {
  const [chosen, setChosen] = useState<number | undefined>();
  if (loading) return <Loader aria-label="loading the groups" />;
  if (error) return <ErrorNote error={error} />;
  const list = groups ?? [];
  const data = groupChartData(list);
  const group = list.find((g) => g.id === chosen) ?? list[0];
  return (
    <Stack>
      <Paper withBorder p="md" component="section" aria-labelledby="groups-title">
        <Title order={2} size="h4" mb="sm" id="groups-title">
          Groups
        </Title>
        {list.length === 0 ? (
          <Text c="dimmed">This rollout has no groups.</Text>
        ) : (
          <>
            {/* The chart is a picture of the table below, which says the same in numbers. */}
            <div role="img" aria-label="Bar chart of each group's targets per status; the table below gives the numbers.">
              <BarChart
                h={Math.max(120, 44 * data.length + 60)}
                data={data}
                dataKey="group"
                type="stacked"
                orientation="vertical"
                series={SERIES.map((s) => ({ name: s.name, label: s.label, color: s.color }))}
                withLegend
                yAxisProps={{ width: 110 }}
                xAxisProps={{ allowDecimals: false }}
                // Recharts' keyboard layer would make the picture focusable; the table is the accessible form.
                barChartProps={{ accessibilityLayer: false }}
              />
            </div>
            <Table.ScrollContainer minWidth={600}>
              <Table striped>
                <caption style={{ textAlign: 'left', captionSide: 'top' }}>Targets per status in each group</caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Group</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Targets</Table.Th>
                    {SERIES.map((s) => (
                      <Table.Th key={s.name}>{s.label}</Table.Th>
                    ))}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.map((g, i) => (
                    <Table.Tr key={g.id} bg={group?.id === g.id ? 'var(--mantine-color-blue-light)' : undefined}>
                      <Table.Td>
                        <UnstyledButton onClick={() => setChosen(g.id)} aria-pressed={group?.id === g.id} td="underline" c="indigo.9">
                          {g.name}
                        </UnstyledButton>
                      </Table.Td>
                      <Table.Td>
                        <Badge variant="dot" color={groupStatusColor(g.status)}>
                          {g.status}
                        </Badge>
                      </Table.Td>
                      <Table.Td>{data[i]!.total.toLocaleString()}</Table.Td>
                      {SERIES.map((s) => (
                        <Table.Td key={s.name}>{data[i]![s.name].toLocaleString()}</Table.Td>
                      ))}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </>
        )}
      </Paper>
      {group ? <GroupTargets rolloutId={rolloutId} group={group} /> : null}
    </Stack>
  );
}

interface GroupTargetRow {
  controllerId: string;
  name: string;
  actionId: number;
  actionStatus: string;
}
const column = createColumnHelper<GroupTargetRow>();
const targetColumns = [
  column.accessor('controllerId', {
    header: 'Device',
    cell: (c) => (
      <Anchor component={Link} to={`/devices/${encodeURIComponent(c.getValue())}`}>
        {c.getValue()}
      </Anchor>
    ),
  }),
  column.accessor('name', { header: 'Name' }),
  column.accessor('actionStatus', { header: 'Action status', cell: (c) => <Badge variant="outline">{c.getValue()}</Badge> }),
  column.accessor('actionId', { header: 'Action' }),
];

function GroupTargets({ rolloutId, group }: { rolloutId: string; group: RolloutGroup }) {
  const session = useSession();
  const fetchPage = async (r: PageRequest) => {
    const page = await ok(
      session.api.GET('/rest/v1/rollouts/{id}/deploygroups/{groupId}/targets', {
        params: { path: { id: rolloutId, groupId: String(group.id) }, query: { offset: String(r.offset), limit: String(r.limit) } },
      }),
    );
    // The route pages without a total; the group knows its size.
    return { content: page.content, total: group.totalTargets };
  };
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="group-targets-title">
      <Title order={2} size="h4" mb="sm" id="group-targets-title">
        Targets of {group.name}
      </Title>
      <DataTable<GroupTargetRow>
        queryKey={['rollout', rolloutId, 'group', group.id, 'targets']}
        caption={`targets of ${group.name}`}
        fetchPage={fetchPage}
        columns={targetColumns}
        empty="No targets in this group (yet)."
      />
    </Paper>
  );
}
