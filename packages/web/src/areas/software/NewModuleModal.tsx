/** Create a software module: name, version, type (searched on the server), and the optional fields. */
import { Button, Checkbox, Group, Modal, Stack, TextInput, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { ErrorNote } from '../../components/ErrorNote.js';
import { ok } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { moduleTypeOptions } from './api.js';
import { RemoteSelect } from './RemoteSelect.js';
import { validateNewModule, type FieldErrors } from './validation.js';

export function NewModuleModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [version, setVersion] = useState('');
  const [type, setType] = useState<string | null>(null);
  const [description, setDescription] = useState('');
  const [vendor, setVendor] = useState('');
  const [encrypted, setEncrypted] = useState(false);
  const [errors, setErrors] = useState<FieldErrors<string>>({});

  const create = useMutation({
    mutationFn: async () =>
      ok(
        session.api.POST('/rest/v1/softwaremodules', {
          body: [{ name, version, type: type!, ...(description ? { description } : {}), ...(vendor ? { vendor } : {}), ...(encrypted ? { encrypted } : {}) }],
        }),
      ),
    onSuccess: async ([created]) => {
      await queryClient.invalidateQueries({ queryKey: ['softwaremodules'] });
      notifications.show({ color: 'teal', message: `Software module ${name} ${version} created.` });
      onClose();
      if (created) void navigate(`/software/${created.id}`);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const found = validateNewModule({ name, version, type, description, vendor });
    setErrors(found);
    if (Object.keys(found).length === 0) create.mutate();
  }

  return (
    <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={opened} onClose={onClose} title="New software module">
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} data-autofocus />
          <TextInput label="Version" required value={version} onChange={(e) => setVersion(e.currentTarget.value)} error={errors.version} />
          <RemoteSelect
            label="Type"
            required
            placeholder="Search module types"
            queryRoot="softwaremoduletypes"
            search={(text) => moduleTypeOptions(session.api, text)}
            value={type}
            onChange={(v) => setType(v)}
            error={errors.type}
          />
          <TextInput label="Vendor" value={vendor} onChange={(e) => setVendor(e.currentTarget.value)} error={errors.vendor} />
          <Textarea label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} error={errors.description} />
          <Checkbox
            label="Encrypt its artifacts"
            description="Stored and delivered age-encrypted: only ciphertext at rest and on the wire."
            checked={encrypted}
            onChange={(e) => setEncrypted(e.currentTarget.checked)}
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
