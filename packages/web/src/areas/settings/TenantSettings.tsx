/**
 * /settings: the tenant's configuration, one row per key with an input fitting its value and its
 * own Save (PUT /system/configs/{key}); the server's refusal is shown under that key's input.
 */
import { Badge, Center, Group, Loader, Paper, PasswordInput, Stack, Switch, Text, TextInput, Textarea } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorNote } from '../../components/ErrorNote.js';
import { PageTitle } from '../../components/PageTitle.js';
import { ApiError, ok } from '../../lib/api.js';
import { describeError } from '../../lib/errors.js';
import { useSession } from '../../lib/session.js';
import { notify } from '../shared/notify.js';
import { PermissionButton } from '../../components/PermissionButton.js';
import { draftOf, fieldOf, valueOf, type FieldKind } from './fields.js';

interface Entry {
  value: unknown;
  global: boolean;
}

export function TenantSettings() {
  const session = useSession();
  const configs = useQuery({
    queryKey: ['config'],
    queryFn: async () => ok(session.api.GET('/rest/v1/system/configs')) as Promise<Record<string, Entry>>,
  });
  return (
    <>
      <PageTitle>Settings</PageTitle>
      <Text mb="md">Tenant {session.user.tenant}: how devices authenticate and poll, and which changes need a second person.</Text>
      {configs.isPending ? (
        <Center p="xl">
          <Loader aria-label="loading the configuration" />
        </Center>
      ) : configs.error ? (
        <ErrorNote error={configs.error} />
      ) : (
        <Stack>
          {Object.entries(configs.data).map(([key, entry]) => (
            <ConfigRow key={key} configKey={key} entry={entry} />
          ))}
        </Stack>
      )}
    </>
  );
}

function ConfigRow({ configKey, entry }: { configKey: string; entry: Entry }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const { kind, label, help } = fieldOf(configKey, entry.value);
  const [draft, setDraft] = useState<string | boolean>(() => draftOf(kind, entry.value));
  const [localError, setLocalError] = useState<string | undefined>();
  // The server's value changed (saved here, or elsewhere and refetched live): start from it again.
  const [seen, setSeen] = useState(entry.value);
  if (seen !== entry.value) {
    setSeen(entry.value);
    setDraft(draftOf(kind, entry.value));
  }
  const save = useMutation({
    mutationFn: async (value: unknown) => ok(session.api.PUT('/rest/v1/system/configs/{key}', { params: { path: { key: configKey } }, body: { value } })),
    onSuccess: async () => {
      notify('green', 'Saved', `${label} is changed.`);
      if (kind === 'secret') setDraft('');
      await queryClient.invalidateQueries({ queryKey: ['config'] });
    },
  });
  const mayChange = session.can('UPDATE_TENANT_CONFIGURATION');
  const unchanged = kind !== 'secret' && draft === draftOf(kind, entry.value);
  const submit = () => {
    const parsed = valueOf(kind, draft);
    if ('error' in parsed) return setLocalError(parsed.error);
    setLocalError(undefined);
    save.mutate(parsed.value);
  };
  // The server's 400 (a value it refuses) belongs under the input; anything else (403…) in words below.
  const refusedValue = save.error instanceof ApiError && save.error.status === 400;
  const serverError = refusedValue ? describeError(save.error).message : undefined;
  const error = localError ?? serverError;
  const onText = (value: string) => {
    setDraft(value);
    setLocalError(undefined);
    save.reset();
  };
  const id = `config-${configKey.replace(/[^a-zA-Z0-9]/g, '-')}`;

  return (
    <Paper withBorder p="sm">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
        aria-labelledby={`${id}-label`}
      >
        <Group align="flex-end" wrap="nowrap">
          <div style={{ flex: 1 }}>
            <Input
              kind={kind}
              id={id}
              label={label}
              help={help}
              draft={draft}
              onText={onText}
              onToggle={(v) => {
                setDraft(v);
                save.reset();
              }}
              error={error}
              disabled={!mayChange}
              secretSet={entry.value !== ''}
            />
          </div>
          {entry.global ? (
            <Badge variant="outline" color="gray" title="The tenant has not set this key: the server's default applies.">
              default
            </Badge>
          ) : null}
          <PermissionButton
            type="submit"
            blocked={!mayChange ? 'Needs the permission UPDATE_TENANT_CONFIGURATION.' : unchanged ? 'Nothing changed.' : undefined}
            loading={save.isPending}
            aria-label={`Save ${label}`}
          >
            Save
          </PermissionButton>
        </Group>
        {save.error && !refusedValue ? <ErrorNote error={save.error} mb="0" /> : null}
      </form>
    </Paper>
  );
}

interface InputProps {
  kind: FieldKind;
  id: string;
  label: string;
  help: string;
  draft: string | boolean;
  onText: (value: string) => void;
  onToggle: (value: boolean) => void;
  error: string | undefined;
  disabled: boolean;
  secretSet: boolean;
}

function Input({ kind, id, label, help, draft, onText, onToggle, error, disabled, secretSet }: InputProps) {
  const common = { id, label: <span id={`${id}-label`}>{label}</span>, description: help, error, disabled };
  switch (kind) {
    case 'boolean':
      return <Switch {...common} checked={draft === true} onChange={(e) => onToggle(e.currentTarget.checked)} />;
    case 'secret':
      return (
        <PasswordInput
          {...common}
          placeholder={secretSet ? '(secret) — type a new value to replace it' : 'not set'}
          value={String(draft)}
          onChange={(e) => onText(e.currentTarget.value)}
          autoComplete="off"
        />
      );
    case 'multiline':
      return (
        <Textarea {...common} value={String(draft)} onChange={(e) => onText(e.currentTarget.value)} autosize minRows={2} maxRows={10} spellCheck={false} />
      );
    default:
      return (
        <TextInput
          {...common}
          value={String(draft)}
          onChange={(e) => onText(e.currentTarget.value)}
          inputMode={kind === 'integer' ? 'numeric' : undefined}
          placeholder={kind === 'duration' ? 'HH:MM:SS' : undefined}
        />
      );
  }
}
