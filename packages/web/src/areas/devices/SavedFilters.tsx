/**
 * Saved filters are the server's target filters (a name and an RSQL query): pick one to apply
 * its query, or save the current query under a new name.
 */
import { Button, Group, Modal, Stack, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ErrorNote } from '../../components/ErrorNote.js';
import { ok } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { PermissionButton } from '../../components/PermissionButton.js';
import { rowToRsql } from './rsql.js';
import { ServerSelect } from './ServerSelect.js';

/** `name` contains `text`, as RSQL (quoted and escaped like the builder's values). */
export function nameContains(text: string): string | undefined {
  const result = rowToRsql({ field: 'name', operator: 'contains', value: text });
  return 'rsql' in result ? result.rsql : undefined;
}

export function SavedFilters({ q, onApply }: { q: string; onApply: (q: string) => void }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const [opened, { open, close }] = useDisclosure(false);
  const [name, setName] = useState('');
  const save = useMutation({
    mutationFn: async (input: { name: string; query: string }) => ok(session.api.POST('/rest/v1/targetfilters', { body: [input] })),
    onSuccess: async (_created, input) => {
      notifications.show({ color: 'teal', title: 'Filter saved', message: `“${input.name}” is now a saved filter.` });
      close();
      setName('');
      await queryClient.invalidateQueries({ queryKey: ['targetfilters'] });
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    save.mutate({ name: name.trim(), query: q });
  }

  return (
    <Group align="flex-end" gap="xs">
      <ServerSelect
        label="Saved filter"
        placeholder="search saved filters"
        w={260}
        value={null}
        queryKey={['targetfilters', 'options']}
        search={async (text) => {
          const filter = text ? nameContains(text) : undefined;
          const page = await ok(
            session.api.GET('/rest/v1/targetfilters', { params: { query: { limit: '20', sort: 'name:ASC', ...(filter ? { q: filter } : {}) } } }),
          );
          return page.content.map((f) => ({ value: String(f.id), label: f.name, detail: f.query }));
        }}
        onChange={(_value, option) => option?.detail && onApply(option.detail)}
      />
      <PermissionButton variant="default" needs={['CREATE_TARGET']} blocked={q ? undefined : 'Filter the list first'} onClick={open}>
        Save as filter
      </PermissionButton>
      <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={opened} onClose={close} title="Save the current filter">
        <form onSubmit={submit}>
          <Stack>
            <ErrorNote error={save.error} mb="0" />
            <TextInput label="Filter name" required maxLength={128} value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus />
            <TextInput label="Query (RSQL)" value={q} readOnly />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Close
              </Button>
              <Button type="submit" loading={save.isPending} disabled={!name.trim()}>
                Save filter
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </Group>
  );
}
