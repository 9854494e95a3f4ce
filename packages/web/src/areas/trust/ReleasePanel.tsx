/**
 * A distribution set's release into the tenant's TUF repository: its state, who asked and who
 * released, the targets it signed, and the controls — publish (security version, hardware,
 * install type) and, where the tenant requires four-eyes approval, approve.
 */
import { Anchor, Badge, Button, Card, Group, Loader, Modal, NumberInput, Select, Stack, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ErrorNote } from '../../components/ErrorNote.js';
import { ok } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { formatBytes } from '../software/format.js';
import { WarningAlert } from './WarningAlert.js';
import { PermissionButton } from '../../components/PermissionButton.js';
import type { Release, ReleaseRequest } from '../software/types.js';
import { hardwareIds, validateRelease, type FieldErrors } from '../software/validation.js';
import { approvalRefusal, releaseStateLabel } from './release.js';

const INSTALL_TYPES = [
  { value: 'image', label: 'image — a whole partition image' },
  { value: 'file', label: 'file — a single file' },
  { value: 'archive', label: 'archive — unpacked onto the device' },
  { value: 'external', label: 'external — handled by an installer on the device' },
];

export function ReleaseBadge({ state }: { state: Release['state'] }) {
  const label = releaseStateLabel(state);
  return (
    <Tooltip label={label.hint}>
      <Badge color={label.color} variant="filled" tabIndex={0}>
        {label.label}
      </Badge>
    </Tooltip>
  );
}

function PublishModal({ setId, opened, onClose }: { setId: number; opened: boolean; onClose: () => void }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const [securityVersion, setSecurityVersion] = useState<number | string>('');
  const [hardwareText, setHardwareText] = useState('');
  const hardware = hardwareIds(hardwareText);
  const [installType, setInstallType] = useState<string | null>(null);
  const [errors, setErrors] = useState<FieldErrors<string>>({});
  const publish = useMutation({
    mutationFn: () =>
      ok(
        session.api.POST('/rest/v1/distributionsets/{id}/release', {
          params: { path: { id: String(setId) } },
          body: {
            securityVersion: Number(securityVersion),
            hardware,
            ...(installType ? { installType: installType as NonNullable<ReleaseRequest['installType']> } : {}),
          },
        }),
      ),
    onSuccess: async (release) => {
      await queryClient.invalidateQueries({ queryKey: ['distributionset', setId] });
      await queryClient.invalidateQueries({ queryKey: ['distributionsets'] });
      await queryClient.invalidateQueries({ queryKey: ['tuf'] });
      const words =
        release.state === 'released'
          ? 'Released into the TUF repository.'
          : release.state === 'pending_approval'
            ? 'Release requested: another user must approve it.'
            : 'Release prepared: the targets metadata awaits the offline signature.';
      notifications.show({ color: 'teal', message: words });
      onClose();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = validateRelease({ securityVersion, hardware });
    setErrors(found);
    if (Object.keys(found).length === 0) publish.mutate();
  };
  return (
    <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={opened} onClose={onClose} title="Publish release">
      <form onSubmit={submit} noValidate>
        <Stack>
          <NumberInput
            label="Security version"
            description="Anti-rollback counter: a device never installs a release below the highest it has seen."
            required
            min={0}
            max={0xffffffff}
            allowDecimal={false}
            allowNegative={false}
            value={securityVersion}
            onChange={setSecurityVersion}
            error={errors.securityVersion}
            data-autofocus
          />
          <TextInput
            label="Hardware"
            description="The hardware ids this release runs on, separated by commas or spaces; a device must match one."
            required
            value={hardwareText}
            onChange={(e) => setHardwareText(e.currentTarget.value)}
            error={errors.hardware}
          />
          <Select
            label="Install type"
            description="Default: image"
            comboboxProps={{ keepMounted: false }}
            data={INSTALL_TYPES}
            value={installType}
            onChange={setInstallType}
            clearable
          />
          <ErrorNote error={publish.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={publish.isPending}>
              Publish
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function ReleasePanel({ setId }: { setId: number }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const [publishing, { open, close }] = useDisclosure();
  const release = useQuery({
    queryKey: ['distributionset', setId, 'release'],
    queryFn: () => ok(session.api.GET('/rest/v1/distributionsets/{id}/release', { params: { path: { id: String(setId) } } })),
  });
  const approve = useMutation({
    mutationFn: () => ok(session.api.POST('/rest/v1/distributionsets/{id}/release/approve', { params: { path: { id: String(setId) } } })),
    onSuccess: async (r) => {
      await queryClient.invalidateQueries({ queryKey: ['distributionset', setId] });
      await queryClient.invalidateQueries({ queryKey: ['distributionsets'] });
      await queryClient.invalidateQueries({ queryKey: ['tuf'] });
      notifications.show({
        color: 'teal',
        message: r.state === 'released' ? 'Release approved and published.' : 'Release approved; it awaits the offline signature.',
      });
    },
  });

  if (release.isPending) return <Loader size="sm" aria-label="loading the release state" />;
  if (release.error) return <ErrorNote error={release.error} />;
  const r = release.data;
  // Releasing needs APPROVE_RELEASE, or UPDATE_DISTRIBUTION_SET to request it where four-eyes is on.
  const publishNeeds = session.can('APPROVE_RELEASE') ? 'APPROVE_RELEASE' : 'UPDATE_DISTRIBUTION_SET';
  return (
    <Card withBorder>
      <Stack gap="sm">
        <Group justify="space-between">
          <Group>
            <Title order={2} size="h3">
              Release
            </Title>
            <ReleaseBadge state={r.state} />
          </Group>
          <Group>
            {r.state === 'draft' ? (
              <PermissionButton needs={publishNeeds} onClick={open}>
                Publish release
              </PermissionButton>
            ) : null}
            {r.state === 'pending_approval' ? (
              <PermissionButton
                needs={[]}
                blocked={approvalRefusal(r, session.user, (p) => session.can(p))}
                loading={approve.isPending}
                onClick={() => approve.mutate()}
              >
                Approve release
              </PermissionButton>
            ) : null}
          </Group>
        </Group>
        <ErrorNote error={approve.error} />
        {r.state === 'draft' ? (
          <Text size="sm" c="dimmed">
            Not in the TUF repository yet. Publishing signs its artifacts as TUF targets with a security version and the hardware they run on.
          </Text>
        ) : null}
        {r.state === 'pending_approval' ? (
          <WarningAlert color="yellow" title="Awaiting approval">
            {r.requestedBy ? `Requested by ${r.requestedBy}. ` : ''}The tenant requires a second user with APPROVE_RELEASE to approve it.
          </WarningAlert>
        ) : null}
        {r.state === 'pending_signature' ? (
          <WarningAlert color="orange" title="Awaiting the offline signature">
            The targets metadata version {r.pendingTargetsVersion ?? '?'} waits to be signed with the offline targets key.{' '}
            <Anchor component={Link} to="/trust">
              Sign or discard it under Releases and trust
            </Anchor>
            .
          </WarningAlert>
        ) : null}
        {r.request ? (
          <Group gap="xl">
            <Text size="sm">
              Security version <b>{r.request.securityVersion}</b>
            </Text>
            <Text size="sm">
              Hardware <b>{r.request.hardware.join(', ')}</b>
            </Text>
            {r.request.installType ? <Text size="sm">Install type {r.request.installType}</Text> : null}
          </Group>
        ) : null}
        {r.releasedBy ? (
          <Text size="sm">
            Released by {r.releasedBy}
            {r.releasedAt ? ` on ${new Date(r.releasedAt).toLocaleString()}` : ''}
            {r.requestedBy && r.requestedBy !== r.releasedBy ? `, requested by ${r.requestedBy}` : ''}.
          </Text>
        ) : null}
        {r.targets.length > 0 ? (
          <Table.ScrollContainer minWidth={600}>
            <Table>
              <caption style={{ captionSide: 'top', textAlign: 'left' }}>TUF targets</caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Target path</Table.Th>
                  <Table.Th>Length</Table.Th>
                  <Table.Th>SHA-256</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {r.targets.map((t) => (
                  <Table.Tr key={t.path}>
                    <Table.Td>
                      {t.path}
                      {t.existing ? (
                        <Text size="xs" c="dimmed">
                          already a target
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td>{formatBytes(t.length)}</Table.Td>
                    <Table.Td>
                      <Text size="xs" ff="monospace" style={{ wordBreak: 'break-all' }}>
                        {t.sha256}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : null}
      </Stack>
      {publishing ? <PublishModal setId={setId} opened onClose={close} /> : null}
    </Card>
  );
}
