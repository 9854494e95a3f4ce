/**
 * The root, changed only by an offline ceremony: download the current root to sign the next one,
 * rotate to a root N+1 signed by the old and new root keys, or (for a tenant that has released
 * nothing) adopt an offline root v1. Each behind a confirmation that says what it does.
 */
import { Alert, Button, Group, Modal, PasswordInput, Stack, Text, Textarea, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorNote } from '../../components/ErrorNote.js';
import { ok } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { PermissionButton } from '../../components/PermissionButton.js';
import { JsonField, parseJsonObject, saveJson } from './JsonField.js';

function RotateRoot({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const rotate = useMutation({
    mutationFn: (root: Record<string, unknown>) => ok(session.api.PUT('/rest/v1/tuf/root', { body: root })),
    onSuccess: async (result) => {
      await queryClient.invalidateQueries({ queryKey: ['tuf'] });
      notifications.show({
        color: 'teal',
        message: `Root version ${result.rootVersion} is in force${result.changedRoles.length ? `; changed roles: ${result.changedRoles.join(', ')}` : ''}${result.republished.length ? `; re-signed: ${result.republished.join(', ')}` : ''}.`,
      });
      onClose();
    },
  });
  const parsed = parseJsonObject(text, 'new root metadata');
  return (
    <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={opened} onClose={onClose} title="Rotate the root" size="lg">
      <Stack>
        <Text size="sm">
          Give the next root (version N+1) signed offline by a threshold of the current root keys and of its own. The server verifies both before it adopts it,
          then re-signs the online roles whose keys changed. Devices follow the chain of roots on their next update check.
        </Text>
        <JsonField label="New root metadata" value={text} onChange={setText} error={problem} required />
        {confirming ? (
          <Alert color="red" title="Rotate now?">
            Once adopted, the old root cannot be restored; devices will trust only the keys of the new root.
          </Alert>
        ) : null}
        <ErrorNote error={rotate.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          {confirming ? (
            <Button color="red" loading={rotate.isPending} onClick={() => parsed.value && rotate.mutate(parsed.value)}>
              Yes, rotate the root
            </Button>
          ) : (
            <Button
              onClick={() => {
                setProblem(parsed.error);
                if (!parsed.error) setConfirming(true);
              }}
            >
              Rotate
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}

function ImportRoot({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const [rootText, setRootText] = useState('');
  const [targetsText, setTargetsText] = useState('');
  const [keys, setKeys] = useState({ targets: '', snapshot: '', timestamp: '' });
  const [passphrase, setPassphrase] = useState('');
  const [problems, setProblems] = useState<{ root?: string; targets?: string }>({});
  const [confirming, setConfirming] = useState(false);
  const pems = (text: string) => (text.trim() ? [text.trim()] : undefined);
  const importRoot = useMutation({
    mutationFn: (body: { root: Record<string, unknown>; targets?: Record<string, unknown> }) =>
      ok(
        session.api.POST('/rest/v1/tuf/root/import', {
          body: {
            ...body,
            keys: Object.fromEntries(
              Object.entries({ targets: pems(keys.targets), snapshot: pems(keys.snapshot), timestamp: pems(keys.timestamp) }).filter(([, v]) => v),
            ),
            ...(passphrase ? { passphrase } : {}),
          },
        }),
      ),
    onSuccess: async (result) => {
      await queryClient.invalidateQueries({ queryKey: ['tuf'] });
      notifications.show({
        color: 'teal',
        message: `Offline root version ${result.rootVersion} adopted${result.targetsOffline ? '; targets are signed offline' : ''}.`,
      });
      onClose();
    },
  });
  const check = () => {
    const root = parseJsonObject(rootText, 'root metadata');
    const targets = targetsText.trim() ? parseJsonObject(targetsText, 'targets metadata') : {};
    setProblems({ root: root.error, targets: targets.error });
    return root.error || targets.error ? undefined : { root: root.value!, ...(targets.value ? { targets: targets.value } : {}) };
  };
  return (
    <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={opened} onClose={onClose} title="Import an offline root" size="lg">
      <Stack>
        <Text size="sm">
          Replace the repository the server generated with root version 1 from an offline ceremony. Only for a tenant that has released nothing yet. Give the
          private keys of the roles the server should sign online (snapshot and timestamp at least); without the targets key, targets are signed offline.
        </Text>
        <JsonField label="Root metadata" value={rootText} onChange={setRootText} error={problems.root} required />
        <Textarea
          label="Snapshot key (PEM)"
          autosize
          minRows={2}
          value={keys.snapshot}
          onChange={(e) => setKeys({ ...keys, snapshot: e.currentTarget.value })}
        />
        <Textarea
          label="Timestamp key (PEM)"
          autosize
          minRows={2}
          value={keys.timestamp}
          onChange={(e) => setKeys({ ...keys, timestamp: e.currentTarget.value })}
        />
        <Textarea
          label="Targets key (PEM, optional)"
          description="Leave empty to sign targets offline."
          autosize
          minRows={2}
          value={keys.targets}
          onChange={(e) => setKeys({ ...keys, targets: e.currentTarget.value })}
        />
        <PasswordInput
          label="Passphrase of the keys"
          description="If the PEM keys are encrypted."
          value={passphrase}
          onChange={(e) => setPassphrase(e.currentTarget.value)}
        />
        <JsonField
          label="Targets metadata (optional)"
          description="Signed offline, for offline targets mode."
          value={targetsText}
          onChange={setTargetsText}
          error={problems.targets}
        />
        {confirming ? (
          <Alert color="red" title="Replace the repository?">
            The generated root and keys are discarded; devices set up with the old root would no longer trust this repository.
          </Alert>
        ) : null}
        <ErrorNote error={importRoot.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          {confirming ? (
            <Button
              color="red"
              loading={importRoot.isPending}
              onClick={() => {
                const body = check();
                if (body) importRoot.mutate(body);
              }}
            >
              Yes, import this root
            </Button>
          ) : (
            <Button onClick={() => check() && setConfirming(true)}>Import</Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}

export function RootCeremony() {
  const session = useSession();
  const [rotating, rotate] = useDisclosure();
  const [importing, importer] = useDisclosure();
  const download = useMutation({
    mutationFn: () => ok(session.api.GET('/rest/v1/tuf/root')),
    onSuccess: (root) => {
      const version = (root as unknown as { signed?: { version?: number } }).signed?.version ?? 'current';
      saveJson(`${version}.root.json`, root);
    },
  });
  return (
    <section aria-label="root ceremony">
      <Title order={2} size="h3" mb="xs">
        Root
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        The root is signed offline. Download the current one to prepare the next; rotate when the next is signed.
      </Text>
      <Group>
        <Button variant="default" onClick={() => download.mutate()} loading={download.isPending}>
          Download current root
        </Button>
        <PermissionButton needs="UPDATE_TENANT_CONFIGURATION" color="red" variant="light" onClick={rotate.open}>
          Rotate root
        </PermissionButton>
        <PermissionButton needs="UPDATE_TENANT_CONFIGURATION" color="red" variant="subtle" onClick={importer.open}>
          Import offline root
        </PermissionButton>
      </Group>
      <ErrorNote error={download.error} />
      {rotating ? <RotateRoot opened onClose={rotate.close} /> : null}
      {importing ? <ImportRoot opened onClose={importer.close} /> : null}
    </section>
  );
}
