/**
 * Offline targets mode: targets metadata the server prepared for releases, waiting for the
 * offline targets key. Download it, sign it offline, submit the signed file — or discard it.
 */
import { Button, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorNote } from '../../components/ErrorNote.js';
import { ApiError, ok } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { ConfirmButton } from '../software/ConfirmButton.js';
import { WarningAlert } from './WarningAlert.js';
import { PermissionButton } from '../../components/PermissionButton.js';
import { JsonField, parseJsonObject, saveJson } from './JsonField.js';

export function PendingTargets() {
  const session = useSession();
  const queryClient = useQueryClient();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string>();
  const pending = useQuery({
    queryKey: ['tuf', 'pending-targets'],
    queryFn: async () => {
      const { data, error, response } = await session.api.GET('/rest/v1/tuf/targets/pending');
      if (response.status === 404) return null;
      if (!response.ok) throw new ApiError(response.status, error as ConstructorParameters<typeof ApiError>[1]);
      return data as unknown as { signed: { version: number; expires: string; targets?: Record<string, unknown> } };
    },
  });
  const done = async () => {
    await queryClient.invalidateQueries({ queryKey: ['tuf'] });
    await queryClient.invalidateQueries({ queryKey: ['distributionsets'] });
    await queryClient.invalidateQueries({ queryKey: ['distributionset'] });
  };
  const submit = useMutation({
    mutationFn: (signed: Record<string, unknown>) => ok(session.api.PUT('/rest/v1/tuf/targets', { body: signed })),
    onSuccess: async (result) => {
      await done();
      setText('');
      notifications.show({
        color: 'teal',
        message: `Targets version ${result.published.targets} published; released sets: ${result.released.join(', ') || 'none'}.`,
      });
    },
  });
  const discard = useMutation({
    mutationFn: () => ok(session.api.DELETE('/rest/v1/tuf/targets/pending')),
    onSuccess: async () => {
      await done();
      notifications.show({ color: 'teal', message: 'The pending targets metadata was discarded; its releases are back to not released.' });
    },
  });

  return (
    <section aria-label="offline targets signing">
      <Title order={2} size="h3" mb="xs">
        Targets awaiting the offline signature
      </Title>
      {pending.isPending ? <Loader size="sm" aria-label="loading the pending targets" /> : null}
      <ErrorNote error={pending.error} />
      {pending.data === null ? (
        <Text size="sm" c="dimmed">
          Nothing awaits an offline signature.
        </Text>
      ) : null}
      {pending.data ? (
        <Stack>
          <WarningAlert color="orange">
            Targets metadata version {pending.data.signed.version} ({Object.keys(pending.data.signed.targets ?? {}).length} targets) waits to be signed with the
            offline targets key.
          </WarningAlert>
          <Group>
            <Button variant="default" onClick={() => saveJson(`${pending.data!.signed.version}.targets.json`, pending.data)}>
              Download to sign
            </Button>
            <ConfirmButton label="Discard" title="Discard the pending targets?" confirmLabel="Discard" needs="APPROVE_RELEASE" mutation={discard}>
              The prepared releases go back to not released. Nothing is published.
            </ConfirmButton>
          </Group>
          <JsonField label="Signed targets metadata" value={text} onChange={setText} error={problem} />
          <Group>
            <PermissionButton
              needs="APPROVE_RELEASE"
              loading={submit.isPending}
              onClick={() => {
                const parsed = parseJsonObject(text, 'signed targets metadata');
                setProblem(parsed.error);
                if (parsed.value) submit.mutate(parsed.value);
              }}
            >
              Submit signed targets
            </PermissionButton>
          </Group>
          <ErrorNote error={submit.error} />
        </Stack>
      ) : null}
    </section>
  );
}
