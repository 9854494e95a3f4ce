/**
 * The catalogue's named kinds (module types, distribution set types, target and set tags): one
 * server-side list each, a create form, and per row an edit of the description and a delete.
 * Each kind says how to call the API for it; this file holds what they share.
 */
import { Button, Group, Modal, Stack, Textarea, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useState, type ComponentType } from 'react';
import { DataTable, type Page, type PageRequest } from '../../components/DataTable.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import type { ManagementClient } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { ConfirmButton } from './ConfirmButton.js';
import { PermissionButton } from '../../components/PermissionButton.js';
import { SearchBox, useSearch } from './SearchBox.js';

export interface Named {
  id: number;
  name: string;
  description?: string;
}

export interface CatalogueKind<Row extends Named> {
  /** "module type": the words of the buttons and messages. */
  noun: string;
  plural: string;
  /** A live-channel root (lib/live.ts). */
  queryRoot: string;
  permissions: { create: string; update: string; remove: string };
  columns: ColumnDef<Row>[];
  searchFields: string[];
  list: (api: ManagementClient, request: PageRequest, q: string | undefined) => Promise<Page<Row>>;
  update?: (api: ManagementClient, id: number, change: { description: string }) => Promise<unknown>;
  remove: (api: ManagementClient, id: number) => Promise<unknown>;
  /** What deleting means, said in the confirmation. */
  removeNote?: string;
  CreateForm: ComponentType<{ onDone: () => void }>;
}

function EditDescription<Row extends Named>({ kind, row }: { kind: CatalogueKind<Row>; row: Row }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const [opened, { open, close }] = useDisclosure();
  const [description, setDescription] = useState(row.description ?? '');
  const save = useMutation({
    mutationFn: () => kind.update!(session.api, row.id, { description }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: [kind.queryRoot] });
      notifications.show({ color: 'teal', message: `${row.name} updated.` });
      close();
    },
  });
  return (
    <>
      <PermissionButton needs={kind.permissions.update} size="compact-sm" variant="subtle" onClick={open} aria-label={`edit ${row.name}`}>
        Edit
      </PermissionButton>
      <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={opened} onClose={close} title={`Edit ${kind.noun} ${row.name}`}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (description.length <= 512) save.mutate();
          }}
        >
          <Stack>
            <Textarea
              label="Description"
              value={description}
              onChange={(e) => setDescription(e.currentTarget.value)}
              error={description.length > 512 ? 'The description is at most 512 characters.' : undefined}
              data-autofocus
            />
            <ErrorNote error={save.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={save.isPending}>
                Save
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}

function DeleteRow<Row extends Named>({ kind, row }: { kind: CatalogueKind<Row>; row: Row }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () => kind.remove(session.api, row.id),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: [kind.queryRoot] });
      notifications.show({ color: 'teal', message: `${kind.noun} ${row.name} deleted.` });
    },
  });
  return (
    <ConfirmButton
      label="Delete"
      title={`Delete the ${kind.noun} ${row.name}?`}
      confirmLabel="Delete"
      needs={kind.permissions.remove}
      mutation={remove}
      variant="subtle"
      ariaLabel={`delete ${row.name}`}
    >
      {kind.removeNote ?? `The ${kind.noun} is removed.`}
    </ConfirmButton>
  );
}

export function CatalogueList<Row extends Named>({ kind }: { kind: CatalogueKind<Row> }) {
  const session = useSession();
  const search = useSearch(kind.searchFields);
  const [opened, { open, close }] = useDisclosure();
  const columns: ColumnDef<Row>[] = [
    ...kind.columns,
    {
      id: 'actions',
      header: 'Actions',
      cell: ({ row }) => (
        <Group gap={4} wrap="nowrap">
          {kind.update ? <EditDescription kind={kind} row={row.original} /> : null}
          <DeleteRow kind={kind} row={row.original} />
        </Group>
      ),
    },
  ];
  const title = kind.plural.charAt(0).toUpperCase() + kind.plural.slice(1);
  return (
    <section aria-label={kind.plural}>
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h3">
          {title}
        </Title>
        <PermissionButton needs={kind.permissions.create} onClick={open}>
          {`New ${kind.noun}`}
        </PermissionButton>
      </Group>
      <SearchBox label={`Search ${kind.plural}`} {...search} />
      <DataTable<Row>
        queryKey={[kind.queryRoot, search.q]}
        caption={kind.plural}
        columns={columns}
        initialSort={[{ id: 'name', desc: false }]}
        fetchPage={(request) => kind.list(session.api, request, search.q)}
      />
      <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={opened} onClose={close} title={`New ${kind.noun}`}>
        {opened ? <kind.CreateForm onDone={close} /> : null}
      </Modal>
    </section>
  );
}
