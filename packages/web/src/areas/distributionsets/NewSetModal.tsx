/** Create a distribution set: name, version, type and modules, each picked by a server-side search. */
import { Button, Checkbox, Group, Modal, Stack, TextInput, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { ErrorNote } from '../../components/ErrorNote.js';
import { ok } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { moduleOptions, setTypeOptions } from '../software/api.js';
import { RemoteMultiSelect, RemoteSelect, type Option } from '../software/RemoteSelect.js';
import { validateNewSet, type FieldErrors } from '../software/validation.js';

export function NewSetModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [version, setVersion] = useState('');
  const [type, setType] = useState<string | null>('os');
  const [modules, setModules] = useState<Option[]>([]);
  const [description, setDescription] = useState('');
  const [requiredMigrationStep, setRequiredMigrationStep] = useState(false);
  const [errors, setErrors] = useState<FieldErrors<string>>({});

  const create = useMutation({
    mutationFn: () =>
      ok(
        session.api.POST('/rest/v1/distributionsets', {
          body: [
            {
              name,
              version,
              type: type!,
              modules: modules.map((m) => ({ id: Number(m.value) })),
              ...(description ? { description } : {}),
              ...(requiredMigrationStep ? { requiredMigrationStep } : {}),
            },
          ],
        }),
      ),
    onSuccess: async ([created]) => {
      await queryClient.invalidateQueries({ queryKey: ['distributionsets'] });
      notifications.show({ color: 'teal', message: `Distribution set ${name} ${version} created.` });
      onClose();
      if (created) void navigate(`/distributionsets/${created.id}`);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const found = validateNewSet({ name, version, type, modules: modules.map((m) => m.value), description });
    setErrors(found);
    if (Object.keys(found).length === 0) create.mutate();
  }

  return (
    <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={opened} onClose={onClose} title="New distribution set" size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} data-autofocus />
          <TextInput label="Version" required value={version} onChange={(e) => setVersion(e.currentTarget.value)} error={errors.version} />
          <RemoteSelect
            label="Type"
            required
            placeholder="Search distribution set types"
            queryRoot="distributionsettypes"
            search={(text) => setTypeOptions(session.api, text)}
            value={type}
            onChange={(v) => setType(v)}
            error={errors.type}
          />
          <RemoteMultiSelect
            label="Modules"
            description="Search by name or version; the type says which module types a set needs."
            placeholder="Search software modules"
            queryRoot="softwaremodules"
            search={(text) => moduleOptions(session.api, text)}
            value={modules}
            onChange={setModules}
            error={errors.modules}
          />
          <Textarea label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} error={errors.description} />
          <Checkbox
            label="Required migration step"
            description="Accepted for hawkBit clients; Osprey does not act on it."
            checked={requiredMigrationStep}
            onChange={(e) => setRequiredMigrationStep(e.currentTarget.checked)}
          />
          <ErrorNote error={create.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
