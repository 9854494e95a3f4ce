/** The four TUF roles: version, expiry with a warning, threshold and keys; stage a new online key. */
import { Badge, Button, Card, Group, Loader, Modal, PasswordInput, SegmentedControl, SimpleGrid, Stack, Text, Textarea, Title, Tooltip } from '@mantine/core';
import { useDisclosure, useInterval } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ErrorNote } from '../../components/ErrorNote.js';
import { ApiError, ok } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { WarningAlert } from './WarningAlert.js';
import { PermissionButton } from '../../components/PermissionButton.js';
import { expiryState, type TufRole } from './expiry.js';
import { metaVersion, ROLES, summarize, type Metadata, type RoleSummary } from './repository.js';

const PURPOSE: Record<TufRole, string> = {
  root: 'Trusts the keys of every role; kept offline.',
  targets: 'Signs what is released: each image with its hashes, security version and hardware.',
  snapshot: 'Pins the versions of the targets metadata.',
  timestamp: 'Says what is newest; re-signed by the server often.',
};

/** The current time, updated each minute so expiry warnings follow the clock. */
function useNow(): Date {
  const [now, setNow] = useState(() => new Date());
  const interval = useInterval(() => setNow(new Date()), 60_000);
  useEffect(() => {
    interval.start();
    return interval.stop;
  }, [interval]);
  return now;
}

/** Everything the roles view needs: the four metadata files and the server's online keys. */
export function useRepository() {
  const session = useSession();
  const tenant = session.user.tenant;
  const canKeys = session.can('READ_TENANT_CONFIGURATION');
  return useQuery({
    queryKey: ['tuf', 'repository', tenant, canKeys],
    queryFn: async () => {
      const root = (await ok(session.api.GET('/rest/v1/tuf/root'))) as unknown as Metadata;
      // The other roles are public (what devices fetch); absent ones are shown as such.
      const file = async (name: string) => {
        const { data, response } = await session.api.GET('/{tenant}/tuf/metadata/{name}', { params: { path: { tenant, name } } });
        if (response.status === 404) return undefined;
        if (!response.ok) throw new ApiError(response.status, undefined);
        return data as unknown as Metadata;
      };
      // Consistent snapshots: the timestamp names the snapshot's version, the snapshot the targets'.
      const timestamp = await file('timestamp.json');
      const snapshotVersion = metaVersion(timestamp, 'snapshot.json');
      const snapshot = snapshotVersion === undefined ? undefined : await file(`${snapshotVersion}.snapshot.json`);
      const targetsVersion = metaVersion(snapshot, 'targets.json');
      const targets = targetsVersion === undefined ? undefined : await file(`${targetsVersion}.targets.json`);
      const keys = canKeys ? await ok(session.api.GET('/rest/v1/tuf/keys')) : [];
      return { metadata: { root, targets, snapshot, timestamp }, keys, summary: summarize({ root, targets, snapshot, timestamp }, keys) };
    },
  });
}

function AddKeyModal({ role, opened, onClose }: { role: Exclude<TufRole, 'root'>; opened: boolean; onClose: () => void }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<'generate' | 'import'>('generate');
  const [privateKey, setPrivateKey] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [pemError, setPemError] = useState<string>();
  const add = useMutation({
    mutationFn: () =>
      ok(
        session.api.POST('/rest/v1/tuf/keys/{role}', {
          params: { path: { role } },
          // No body: the server generates the key.
          ...((mode === 'import' ? { body: { privateKey, ...(passphrase ? { passphrase } : {}) } } : {}) as { body: never }),
        }),
      ),
    onSuccess: async (key) => {
      await queryClient.invalidateQueries({ queryKey: ['tuf'] });
      notifications.show({
        color: 'teal',
        message: key.inRoot
          ? `The server now holds the ${role} key ${key.keyid.slice(0, 12)}….`
          : `New ${role} key ${key.keyid.slice(0, 12)}… staged: rotate the root to trust it.`,
      });
      onClose();
    },
  });
  const submit = () => {
    const problem = mode === 'import' && !privateKey.includes('PRIVATE KEY') ? 'Paste the private key as PEM (-----BEGIN … PRIVATE KEY-----).' : undefined;
    setPemError(problem);
    if (!problem) add.mutate();
  };
  return (
    <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={opened} onClose={onClose} title={`New online ${role} key`}>
      <Stack>
        <Text size="sm">
          The server will hold this key and sign {role} metadata with it. Devices trust it only once a new root lists it: after staging, rotate the root (signed
          offline with the root keys) to include it. Until then the current key keeps signing.
        </Text>
        <SegmentedControl
          aria-label="key source"
          value={mode}
          onChange={(v) => setMode(v as 'generate' | 'import')}
          data={[
            { value: 'generate', label: 'Generate on the server' },
            { value: 'import', label: 'Import a private key' },
          ]}
        />
        {mode === 'import' ? (
          <>
            <Textarea
              label="Private key (PEM)"
              autosize
              minRows={4}
              value={privateKey}
              onChange={(e) => setPrivateKey(e.currentTarget.value)}
              error={pemError}
            />
            <PasswordInput
              label="Passphrase of the key"
              description="If the PEM is encrypted."
              value={passphrase}
              onChange={(e) => setPassphrase(e.currentTarget.value)}
            />
          </>
        ) : null}
        <ErrorNote error={add.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={submit} loading={add.isPending}>
            {mode === 'generate' ? 'Generate key' : 'Import key'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function RoleCard({ row, now }: { row: RoleSummary; now: Date }) {
  const [adding, { open, close }] = useDisclosure();
  const expiry = row.expires ? expiryState(row.role, row.expires, now) : undefined;
  return (
    <Card withBorder data-testid={`tuf-role-${row.role}`}>
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={3} size="h4">
            {row.role}
          </Title>
          {expiry ? (
            <Tooltip label={new Date(row.expires!).toLocaleString()}>
              <Badge color={expiry.color} variant="filled" tabIndex={0}>
                {expiry.level === 'expired' ? `EXPIRED — ${expiry.text}` : expiry.level === 'soon' ? `soon: ${expiry.text}` : expiry.text}
              </Badge>
            </Tooltip>
          ) : (
            <Badge color="gray">not published</Badge>
          )}
        </Group>
        <Text size="xs" c="dimmed">
          {PURPOSE[row.role]}
        </Text>
        <Text size="sm">
          Version <b>{row.version ?? '—'}</b> · threshold <b>{row.threshold}</b> of {row.keys.length} key{row.keys.length === 1 ? '' : 's'}
        </Text>
        {expiry && expiry.level !== 'ok' ? (
          <WarningAlert color={expiry.color} p="xs">
            {row.role === 'root' || row.role === 'targets'
              ? `The ${row.role} metadata ${expiry.level === 'expired' ? 'has expired: devices refuse updates' : 'expires soon'}. Sign a new version with the offline keys.`
              : `The server re-signs ${row.role} by itself; ${expiry.level === 'expired' ? 'it has not: check that it holds the online key.' : 'if this persists, check the server holds the online key.'}`}
          </WarningAlert>
        ) : null}
        <Stack gap={4}>
          {row.keys.map((k) => (
            <Group key={k.keyid} gap="xs" wrap="nowrap">
              <Text size="xs" ff="monospace" title={k.keyid}>
                {k.keyid.slice(0, 16)}…
              </Text>
              <Text size="xs" c="dimmed">
                {k.scheme}
              </Text>
              <Badge size="xs" variant="outline" color={k.online ? 'blue' : 'gray'}>
                {k.online ? 'online' : 'offline'}
              </Badge>
              {k.signed ? (
                <Badge size="xs" variant="filled" color="teal">
                  signed
                </Badge>
              ) : null}
            </Group>
          ))}
          {row.staged.map((keyid) => (
            <Group key={keyid} gap="xs" wrap="nowrap">
              <Text size="xs" ff="monospace" title={keyid}>
                {keyid.slice(0, 16)}…
              </Text>
              <Badge size="xs" color="yellow" variant="filled">
                staged, not in the root yet
              </Badge>
            </Group>
          ))}
        </Stack>
        {row.role !== 'root' ? (
          <Group>
            <PermissionButton needs="UPDATE_TENANT_CONFIGURATION" size="xs" variant="light" onClick={open} aria-label={`new ${row.role} key`}>
              New key
            </PermissionButton>
          </Group>
        ) : null}
      </Stack>
      {adding && row.role !== 'root' ? <AddKeyModal role={row.role} opened onClose={close} /> : null}
    </Card>
  );
}

export function TufRoles() {
  const repository = useRepository();
  const now = useNow();
  if (repository.isPending) return <Loader aria-label="loading the TUF repository" />;
  if (repository.error) return <ErrorNote error={repository.error} />;
  const rows = repository.data.summary;
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }}>
      {ROLES.map((role) => {
        const row = rows.find((r) => r.role === role)!;
        return <RoleCard key={role} row={row} now={now} />;
      })}
    </SimpleGrid>
  );
}
