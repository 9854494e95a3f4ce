/** The device page's levers: assign a distribution set (searched on the server) and delete the device. */
import { Button, Group, Modal, SegmentedControl, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { ErrorNote } from '../../components/ErrorNote.js';
import { ok } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { PermissionButton } from '../../components/PermissionButton.js';
import { nameContains } from './SavedFilters.js';
import { ServerSelect } from './ServerSelect.js';

export type AssignType = 'soft' | 'forced' | 'downloadonly';

const TYPES: Array<{ value: AssignType; label: string }> = [
  { value: 'soft', label: 'Soft' },
  { value: 'forced', label: 'Forced' },
  { value: 'downloadonly', label: 'Download only' },
];

export function AssignSet({ controllerId }: { controllerId: string }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const [setId, setSetId] = useState<string | null>(null);
  const [type, setType] = useState<AssignType>('soft');
  const needs = ['UPDATE_TARGET', 'READ_DISTRIBUTION_SET'];
  const mayRead = session.can('READ_DISTRIBUTION_SET');
  const assign = useMutation({
    mutationFn: (input: { id: number; type: AssignType }) =>
      ok(session.api.POST('/rest/v1/targets/{controllerId}/assignedDS', { params: { path: { controllerId } }, body: input })),
    onSuccess: async (result) => {
      notifications.show({
        color: 'teal',
        title: result.assigned > 0 ? 'Assigned' : 'Already assigned',
        message:
          result.assigned > 0 ? `Action ${result.assignedActions.map((a) => `#${a.id}`).join(', ')} started.` : 'The device has this set assigned already.',
      });
      await queryClient.invalidateQueries({ queryKey: ['target', controllerId] });
    },
  });
  return (
    <Stack gap="xs">
      <Group align="flex-end" gap="xs">
        <ServerSelect
          label="Distribution set"
          placeholder={mayRead ? 'search by name' : 'needs READ_DISTRIBUTION_SET'}
          disabled={!mayRead}
          w={300}
          value={setId}
          queryKey={['distributionsets', 'options']}
          search={async (text) => {
            if (!mayRead) return [];
            const filter = text ? nameContains(text) : undefined;
            const page = await ok(
              session.api.GET('/rest/v1/distributionsets', { params: { query: { limit: '20', sort: 'name:ASC', ...(filter ? { q: filter } : {}) } } }),
            );
            return page.content.map((s) => ({ value: String(s.id), label: `${s.name} ${s.version}${s.complete ? '' : ' (incomplete)'}` }));
          }}
          onChange={(value) => setSetId(value)}
        />
        <div>
          <Text size="sm" fw={500} id="assign-type-label" mb={2}>
            Type
          </Text>
          <SegmentedControl aria-labelledby="assign-type-label" data={TYPES} value={type} onChange={(v) => setType(v as AssignType)} />
        </div>
        <PermissionButton
          needs={needs}
          blocked={setId === null ? 'Choose a distribution set first' : undefined}
          loading={assign.isPending}
          onClick={() => setId !== null && assign.mutate({ id: Number(setId), type })}
        >
          Assign
        </PermissionButton>
      </Group>
      <ErrorNote error={assign.error} mb="0" />
    </Stack>
  );
}

export function DeleteDevice({ controllerId }: { controllerId: string }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [opened, { open, close }] = useDisclosure(false);
  const remove = useMutation({
    mutationFn: () => ok(session.api.DELETE('/rest/v1/targets/{controllerId}', { params: { path: { controllerId } } })),
    onSuccess: async () => {
      notifications.show({ color: 'teal', title: 'Device deleted', message: `${controllerId} is gone; it must register again to come back.` });
      close();
      queryClient.removeQueries({ queryKey: ['target', controllerId] });
      await queryClient.invalidateQueries({ queryKey: ['targets'] });
      await navigate('/devices');
    },
  });
  return (
    <>
      <PermissionButton color="red" variant="outline" needs={['DELETE_TARGET']} onClick={open}>
        Delete device
      </PermissionButton>
      <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={opened && session.can('DELETE_TARGET')} onClose={close} title={`Delete ${controllerId}?`}>
        <Stack>
          <Text>The device, its attributes and its action history are deleted. This cannot be undone.</Text>
          <ErrorNote error={remove.error} mb="0" />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Keep it
            </Button>
            <Button color="red" loading={remove.isPending} onClick={() => remove.mutate()}>
              Delete
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
