/** A distribution set's metadata: key/value pairs, added and removed here (UPDATE_DISTRIBUTION_SET). */
import { Group, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ErrorNote } from '../../components/ErrorNote.js';
import { ok } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { PermissionButton } from '../../components/PermissionButton.js';

function RemoveKey({ setId, entryKey }: { setId: number; entryKey: string }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () => ok(session.api.DELETE('/rest/v1/distributionsets/{owner}/metadata/{key}', { params: { path: { owner: String(setId), key: entryKey } } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['distributionset', setId, 'metadata'] });
      notifications.show({ color: 'teal', message: `Metadata ${entryKey} removed.` });
    },
  });
  return (
    <>
      <PermissionButton
        needs="UPDATE_DISTRIBUTION_SET"
        size="compact-sm"
        variant="subtle"
        color="red"
        loading={remove.isPending}
        onClick={() => remove.mutate()}
        aria-label={`remove metadata ${entryKey}`}
      >
        Remove
      </PermissionButton>
      <ErrorNote error={remove.error} mb="0" />
    </>
  );
}

export function Metadata({ setId }: { setId: number }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [keyError, setKeyError] = useState<string>();
  const metadata = useQuery({
    queryKey: ['distributionset', setId, 'metadata'],
    queryFn: () => ok(session.api.GET('/rest/v1/distributionsets/{owner}/metadata', { params: { path: { owner: String(setId) } } })),
  });
  const add = useMutation({
    mutationFn: () =>
      ok(session.api.POST('/rest/v1/distributionsets/{owner}/metadata', { params: { path: { owner: String(setId) } }, body: [{ key, value }] })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['distributionset', setId, 'metadata'] });
      notifications.show({ color: 'teal', message: `Metadata ${key} added.` });
      setKey('');
      setValue('');
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problem = key.trim() === '' ? 'Enter a key.' : key.length > 128 ? 'The key is at most 128 characters.' : undefined;
    setKeyError(problem);
    if (!problem) add.mutate();
  };
  const entries = metadata.data?.content ?? [];
  return (
    <section aria-label="metadata">
      <Title order={2} size="h3" mb="sm">
        Metadata
      </Title>
      <ErrorNote error={metadata.error} />
      {entries.length === 0 && !metadata.isPending ? (
        <Text c="dimmed" size="sm">
          No metadata.
        </Text>
      ) : (
        <Table>
          <caption style={{ captionSide: 'top', textAlign: 'left' }}>metadata of the set</caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Key</Table.Th>
              <Table.Th>Value</Table.Th>
              <Table.Th>Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {entries.map((e) => (
              <Table.Tr key={e.key}>
                <Table.Td>{e.key}</Table.Td>
                <Table.Td style={{ whiteSpace: 'pre-wrap' }}>{e.value}</Table.Td>
                <Table.Td>
                  <RemoveKey setId={setId} entryKey={e.key} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <form onSubmit={submit} noValidate aria-label="add metadata">
        <Group align="flex-start" mt="sm">
          <TextInput label="Metadata key" value={key} onChange={(e) => setKey(e.currentTarget.value)} error={keyError} />
          <TextInput label="Metadata value" value={value} onChange={(e) => setValue(e.currentTarget.value)} w={360} />
          <PermissionButton needs="UPDATE_DISTRIBUTION_SET" type="submit" mt={25} loading={add.isPending}>
            Add metadata
          </PermissionButton>
        </Group>
        <ErrorNote error={add.error} />
      </form>
    </section>
  );
}
