/** The catalogue kinds the Software section lists: how each is called, shown and created. */
import { Button, ColorInput, ColorSwatch, Group, NumberInput, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { ErrorNote } from '../../components/ErrorNote.js';
import { ok } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { moduleTypeIdOptions, pageQuery } from './api.js';
import type { CatalogueKind } from './Catalogue.js';
import { RemoteMultiSelect, type Option } from './RemoteSelect.js';
import type { ModuleType, SetType, Tag } from './types.js';
import { lineError, validateNewType, type FieldErrors } from './validation.js';

const id = (n: number) => ({ params: { path: { id: String(n) } } });

/** A create form's frame: the fields, the server's refusal next to them, and the buttons. */
function CreateFrame({
  queryRoot,
  what,
  onDone,
  validate,
  create,
  children,
}: {
  queryRoot: string;
  what: () => string;
  onDone: () => void;
  validate: () => Record<string, string | undefined>;
  create: () => Promise<unknown>;
  children: ReactNode;
}) {
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: create,
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: [queryRoot] });
      notifications.show({ color: 'teal', message: `${what()} created.` });
      onDone();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (Object.values(validate()).every((v) => v === undefined)) mutation.mutate();
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {children}
        <ErrorNote error={mutation.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={mutation.isPending}>
            Create
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ModuleTypeCreate({ onDone }: { onDone: () => void }) {
  const session = useSession();
  const [f, setF] = useState({ name: '', key: '', description: '', maxAssignments: 1 as number | string, minArtifacts: 0 as number | string });
  const [errors, setErrors] = useState<FieldErrors<string>>({});
  return (
    <CreateFrame
      queryRoot="softwaremoduletypes"
      what={() => `Module type ${f.name}`}
      onDone={onDone}
      validate={() => {
        const found = validateNewType(f);
        setErrors(found);
        return found;
      }}
      create={() =>
        ok(
          session.api.POST('/rest/v1/softwaremoduletypes', {
            body: [
              {
                name: f.name,
                key: f.key,
                ...(f.description ? { description: f.description } : {}),
                maxAssignments: Number(f.maxAssignments),
                minArtifacts: Number(f.minArtifacts) || 0,
              },
            ],
          }),
        )
      }
    >
      <TextInput label="Name" required value={f.name} onChange={(e) => setF({ ...f, name: e.currentTarget.value })} error={errors.name} data-autofocus />
      <TextInput
        label="Key"
        required
        description="What modules name their type by, e.g. os or application."
        value={f.key}
        onChange={(e) => setF({ ...f, key: e.currentTarget.value })}
        error={errors.key}
      />
      <NumberInput
        label="Modules of this type per set"
        min={1}
        allowDecimal={false}
        value={f.maxAssignments}
        onChange={(v) => setF({ ...f, maxAssignments: v })}
        error={errors.maxAssignments}
      />
      <NumberInput
        label="Artifacts a module needs at least"
        min={0}
        allowDecimal={false}
        value={f.minArtifacts}
        onChange={(v) => setF({ ...f, minArtifacts: v })}
      />
      <Textarea label="Description" value={f.description} onChange={(e) => setF({ ...f, description: e.currentTarget.value })} error={errors.description} />
    </CreateFrame>
  );
}

function SetTypeCreate({ onDone }: { onDone: () => void }) {
  const session = useSession();
  const [f, setF] = useState({ name: '', key: '', description: '' });
  const [mandatory, setMandatory] = useState<Option[]>([]);
  const [optional, setOptional] = useState<Option[]>([]);
  const [errors, setErrors] = useState<FieldErrors<string>>({});
  const ids = (options: Option[]) => options.map((o) => ({ id: Number(o.value) }));
  return (
    <CreateFrame
      queryRoot="distributionsettypes"
      what={() => `Distribution set type ${f.name}`}
      onDone={onDone}
      validate={() => {
        const found = {
          ...validateNewType(f),
          optional: optional.some((o) => mandatory.some((m) => m.value === o.value)) ? 'A module type is either mandatory or optional, not both.' : undefined,
        };
        setErrors(found);
        return found;
      }}
      create={() =>
        ok(
          session.api.POST('/rest/v1/distributionsettypes', {
            body: [
              {
                name: f.name,
                key: f.key,
                ...(f.description ? { description: f.description } : {}),
                mandatorymodules: ids(mandatory),
                optionalmodules: ids(optional),
              },
            ],
          }),
        )
      }
    >
      <TextInput label="Name" required value={f.name} onChange={(e) => setF({ ...f, name: e.currentTarget.value })} error={errors.name} data-autofocus />
      <TextInput label="Key" required value={f.key} onChange={(e) => setF({ ...f, key: e.currentTarget.value })} error={errors.key} />
      <RemoteMultiSelect
        label="Mandatory module types"
        queryRoot="softwaremoduletypes"
        search={(text) => moduleTypeIdOptions(session.api, text)}
        value={mandatory}
        onChange={setMandatory}
      />
      <RemoteMultiSelect
        label="Optional module types"
        queryRoot="softwaremoduletypes"
        search={(text) => moduleTypeIdOptions(session.api, text)}
        value={optional}
        onChange={setOptional}
        error={errors.optional}
      />
      <Textarea label="Description" value={f.description} onChange={(e) => setF({ ...f, description: e.currentTarget.value })} error={errors.description} />
    </CreateFrame>
  );
}

type TagPath = '/rest/v1/targettags' | '/rest/v1/distributionsettags';

function tagCreate(path: TagPath, queryRoot: string, noun: string) {
  return function TagCreate({ onDone }: { onDone: () => void }) {
    const session = useSession();
    const [f, setF] = useState({ name: '', description: '', colour: '' });
    const [errors, setErrors] = useState<FieldErrors<string>>({});
    return (
      <CreateFrame
        queryRoot={queryRoot}
        what={() => `${noun} ${f.name}`}
        onDone={onDone}
        validate={() => {
          const found = {
            name: lineError(f.name, 128, 'name'),
            description: f.description.length > 512 ? 'The description is at most 512 characters.' : undefined,
            colour: f.colour.length > 16 ? 'The colour is at most 16 characters.' : undefined,
          };
          setErrors(found);
          return found;
        }}
        create={() =>
          ok(
            session.api.POST(path, {
              body: [{ name: f.name, ...(f.description ? { description: f.description } : {}), ...(f.colour ? { colour: f.colour } : {}) }],
            }),
          )
        }
      >
        <TextInput label="Name" required value={f.name} onChange={(e) => setF({ ...f, name: e.currentTarget.value })} error={errors.name} data-autofocus />
        <ColorInput label="Colour" format="hex" value={f.colour} onChange={(colour) => setF({ ...f, colour })} error={errors.colour} />
        <Textarea label="Description" value={f.description} onChange={(e) => setF({ ...f, description: e.currentTarget.value })} error={errors.description} />
      </CreateFrame>
    );
  };
}

const described = {
  id: 'description',
  header: 'Description',
  cell: ({ row }: { row: { original: { description?: string } } }) => row.original.description ?? '—',
};

export const MODULE_TYPES: CatalogueKind<ModuleType> = {
  noun: 'module type',
  plural: 'module types',
  queryRoot: 'softwaremoduletypes',
  permissions: { create: 'CREATE_SOFTWARE_MODULE_TYPE', update: 'UPDATE_SOFTWARE_MODULE_TYPE', remove: 'DELETE_SOFTWARE_MODULE_TYPE' },
  columns: [
    { id: 'name', header: 'Name', accessorKey: 'name', enableSorting: true },
    { id: 'key', header: 'Key', accessorKey: 'key', enableSorting: true },
    {
      id: 'maxAssignments',
      header: 'Per set',
      enableSorting: true,
      // hawkBit's "any number" is the int4 maximum.
      cell: ({ row }) => (row.original.maxAssignments >= 2147483647 ? 'any number' : row.original.maxAssignments),
    },
    { id: 'minArtifacts', header: 'Min. artifacts', accessorKey: 'minArtifacts' },
    described,
  ],
  searchFields: ['name', 'key'],
  list: (api, request, q) => ok(api.GET('/rest/v1/softwaremoduletypes', { params: { query: pageQuery(request, q) } })),
  update: (api, n, change) => ok(api.PUT('/rest/v1/softwaremoduletypes/{id}', { ...id(n), body: change })),
  remove: (api, n) => ok(api.DELETE('/rest/v1/softwaremoduletypes/{id}', id(n))),
  removeNote: 'A type that modules or distribution set types use cannot be deleted.',
  CreateForm: ModuleTypeCreate,
};

export const SET_TYPES: CatalogueKind<SetType> = {
  noun: 'distribution set type',
  plural: 'distribution set types',
  queryRoot: 'distributionsettypes',
  permissions: { create: 'CREATE_DISTRIBUTION_SET_TYPE', update: 'UPDATE_DISTRIBUTION_SET_TYPE', remove: 'DELETE_DISTRIBUTION_SET_TYPE' },
  columns: [
    { id: 'name', header: 'Name', accessorKey: 'name', enableSorting: true },
    { id: 'key', header: 'Key', accessorKey: 'key', enableSorting: true },
    {
      id: 'modules',
      header: 'Module types',
      cell: ({ row }) => `${row.original.mandatorymodules.length} mandatory, ${row.original.optionalmodules.length} optional`,
    },
    described,
  ],
  searchFields: ['name', 'key'],
  list: (api, request, q) => ok(api.GET('/rest/v1/distributionsettypes', { params: { query: pageQuery(request, q) } })),
  update: (api, n, change) => ok(api.PUT('/rest/v1/distributionsettypes/{id}', { ...id(n), body: change })),
  remove: (api, n) => ok(api.DELETE('/rest/v1/distributionsettypes/{id}', id(n))),
  removeNote: 'A type that distribution sets use cannot be deleted.',
  CreateForm: SetTypeCreate,
};

const tagColumns = [
  {
    id: 'name',
    header: 'Name',
    enableSorting: true,
    cell: ({ row }: { row: { original: Tag } }) => (
      <Group gap="xs" wrap="nowrap">
        {row.original.colour ? <ColorSwatch color={row.original.colour} size={14} aria-hidden /> : null}
        <Text size="sm">{row.original.name}</Text>
      </Group>
    ),
  },
  { id: 'colour', header: 'Colour', cell: ({ row }: { row: { original: Tag } }) => row.original.colour ?? '—' },
  described,
];

export const TARGET_TAGS: CatalogueKind<Tag> = {
  noun: 'target tag',
  plural: 'target tags',
  queryRoot: 'targettags',
  permissions: { create: 'CREATE_TARGET', update: 'UPDATE_TARGET', remove: 'DELETE_TARGET' },
  columns: tagColumns,
  searchFields: ['name', 'description'],
  list: (api, request, q) => ok(api.GET('/rest/v1/targettags', { params: { query: pageQuery(request, q) } })),
  update: (api, n, change) => ok(api.PUT('/rest/v1/targettags/{id}', { ...id(n), body: change })),
  remove: (api, n) => ok(api.DELETE('/rest/v1/targettags/{id}', id(n))),
  removeNote: 'The tag is removed from every device that has it.',
  CreateForm: tagCreate('/rest/v1/targettags', 'targettags', 'Target tag'),
};

export const SET_TAGS: CatalogueKind<Tag> = {
  noun: 'distribution set tag',
  plural: 'distribution set tags',
  queryRoot: 'distributionsettags',
  permissions: { create: 'CREATE_DISTRIBUTION_SET', update: 'UPDATE_DISTRIBUTION_SET', remove: 'DELETE_DISTRIBUTION_SET' },
  columns: tagColumns,
  searchFields: ['name', 'description'],
  list: (api, request, q) => ok(api.GET('/rest/v1/distributionsettags', { params: { query: pageQuery(request, q) } })),
  update: (api, n, change) => ok(api.PUT('/rest/v1/distributionsettags/{id}', { ...id(n), body: change })),
  remove: (api, n) => ok(api.DELETE('/rest/v1/distributionsettags/{id}', id(n))),
  removeNote: 'The tag is removed from every distribution set that has it.',
  CreateForm: tagCreate('/rest/v1/distributionsettags', 'distributionsettags', 'Distribution set tag'),
};
