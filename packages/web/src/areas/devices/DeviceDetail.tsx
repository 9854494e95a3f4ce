/**
 * /devices/:controllerId: what the device is and runs (attributes, installed and assigned set,
 * its security version), its action history, and the operator's levers.
 */
import { Anchor, Card, Center, Group, Loader, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { ErrorNote } from '../../components/ErrorNote.js';
import { PageTitle } from '../../components/PageTitle.js';
import { ok } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { ActionHistory } from './ActionHistory.js';
import { AssignSet, DeleteDevice } from './DeviceControls.js';
import { UpdateStatusBadge } from './DeviceList.js';
import { ago, formatTime } from './status.js';
import type { DistributionSet } from './types.js';

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" component="dt">
        {label}
      </Text>
      <Text size="sm" component="dd" m={0}>
        {children}
      </Text>
    </div>
  );
}

/** A set, and the security version it was released with (TUF), if it was released. */
function SetField({ label, controllerId, which }: { label: string; controllerId: string; which: 'installed' | 'assigned' }) {
  const session = useSession();
  const may = session.can('READ_DISTRIBUTION_SET');
  const set = useQuery({
    queryKey: ['target', controllerId, `${which}DS`],
    enabled: may,
    // 204 (no set) is null: TanStack Query refuses undefined as data.
    queryFn: async (): Promise<DistributionSet | null> =>
      (which === 'installed'
        ? await ok(session.api.GET('/rest/v1/targets/{controllerId}/installedDS', { params: { path: { controllerId } } }))
        : await ok(session.api.GET('/rest/v1/targets/{controllerId}/assignedDS', { params: { path: { controllerId } } }))) ?? null,
  });
  const id = set.data?.id;
  const release = useQuery({
    queryKey: ['distributionset', id, 'release'],
    enabled: id !== undefined,
    queryFn: () => ok(session.api.GET('/rest/v1/distributionsets/{id}/release', { params: { path: { id: String(id) } } })),
  });
  if (!may) return <Field label={label}>needs the READ_DISTRIBUTION_SET permission</Field>;
  const security =
    release.data?.state === 'released' && release.data.request
      ? `security version ${release.data.request.securityVersion}`
      : release.data
        ? `not released (${release.data.state.replace('_', ' ')})`
        : release.isPending && id !== undefined
          ? '…'
          : undefined;
  return (
    <>
      <Field label={label}>
        {set.isPending ? (
          '…'
        ) : set.error ? (
          <ErrorNote error={set.error} mb="0" />
        ) : set.data ? (
          <Anchor component={Link} to={`/distributionsets/${set.data.id}`}>
            {set.data.name} {set.data.version}
          </Anchor>
        ) : (
          'none'
        )}
      </Field>
      {which === 'installed' ? <Field label="Security version">{set.data ? (security ?? '—') : '—'}</Field> : null}
    </>
  );
}

export function DeviceDetail() {
  const { controllerId = '' } = useParams();
  const session = useSession();
  const target = useQuery({
    queryKey: ['target', controllerId],
    queryFn: () => ok(session.api.GET('/rest/v1/targets/{controllerId}', { params: { path: { controllerId } } })),
  });
  const attributes = useQuery({
    queryKey: ['target', controllerId, 'attributes'],
    queryFn: () => ok(session.api.GET('/rest/v1/targets/{controllerId}/attributes', { params: { path: { controllerId } } })),
  });
  const now = Date.now();

  if (target.isPending) {
    return (
      <>
        <PageTitle>{controllerId}</PageTitle>
        <Center p="xl">
          <Loader aria-label="loading the device" />
        </Center>
      </>
    );
  }
  if (target.error) {
    return (
      <>
        <PageTitle>{controllerId}</PageTitle>
        <ErrorNote error={target.error} />
        <Anchor component={Link} to="/devices">
          Back to devices
        </Anchor>
      </>
    );
  }
  const t = target.data;
  const entries = Object.entries(attributes.data ?? {}).sort(([a], [b]) => a.localeCompare(b));

  return (
    <>
      <PageTitle actions={<DeleteDevice controllerId={controllerId} />}>{controllerId}</PageTitle>
      <Anchor component={Link} to="/devices" size="sm">
        ← Devices
      </Anchor>
      <SimpleGrid cols={{ base: 1, md: 2 }} mt="sm" mb="md">
        <Card withBorder>
          <Title order={2} size="h4" mb="sm">
            Device
          </Title>
          <SimpleGrid cols={2} component="dl" m={0}>
            <Field label="Name">{t.name}</Field>
            <Field label="Update status">
              <UpdateStatusBadge status={t.updateStatus} />
            </Field>
            <Field label="Last poll">
              {ago(t.lastControllerRequestAt, now)} {t.lastControllerRequestAt ? `(${formatTime(t.lastControllerRequestAt)})` : ''}
            </Field>
            <Field label="Address">{t.address ?? '—'}</Field>
            <SetField label="Installed set" controllerId={controllerId} which="installed" />
            <SetField label="Assigned set" controllerId={controllerId} which="assigned" />
            <Field label="Description">{t.description ?? '—'}</Field>
            <Field label="Created">
              {formatTime(t.createdAt)}
              {t.createdBy ? ` by ${t.createdBy}` : ''}
            </Field>
            <Field label="Device key">{t.publicKey ? 'registered' : 'none'}</Field>
            <Field label="Auto-confirm">{t.autoConfirmActive ? 'on' : 'off'}</Field>
          </SimpleGrid>
        </Card>
        <Card withBorder>
          <Title order={2} size="h4" mb="sm">
            Attributes
          </Title>
          {attributes.error ? <ErrorNote error={attributes.error} /> : null}
          {attributes.isPending ? (
            <Loader size="sm" aria-label="loading attributes" />
          ) : entries.length === 0 ? (
            <Text c="dimmed">The device has reported no attributes.</Text>
          ) : (
            <Table>
              <caption style={{ textAlign: 'left' }}>
                <Text size="xs" c="dimmed" component="span">
                  as the device reported them
                </Text>
              </caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Attribute</Table.Th>
                  <Table.Th>Value</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {entries.map(([key, value]) => (
                  <Table.Tr key={key}>
                    <Table.Td>{key}</Table.Td>
                    <Table.Td style={{ wordBreak: 'break-word' }}>{value}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Card>
      </SimpleGrid>
      <Card withBorder mb="md">
        <Title order={2} size="h4" mb="sm">
          Assign software
        </Title>
        <AssignSet controllerId={controllerId} />
      </Card>
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={2} size="h4">
            Action history
          </Title>
        </Group>
        <ActionHistory controllerId={controllerId} />
      </Stack>
    </>
  );
}
