/**
 * /users: the tenant's users (create with roles, change roles, reset a password, delete), its API
 * tokens (create — the secret shown once — and revoke), and what each role grants. The server
 * enforces who may grant what (never beyond what you hold, never your own roles, the last
 * administrator stays); the console says so up front where it can and shows the server's refusal
 * in words where it cannot.
 */
import { Alert, Badge, Button, Code, CopyButton, Group, Modal, MultiSelect, PasswordInput, Stack, Table, Tabs, Text, TextInput, Tooltip } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createColumnHelper } from '@tanstack/react-table';
import { useState, type FormEvent } from 'react';
import { DataTable, type PageRequest } from '../../components/DataTable.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { PageTitle } from '../../components/PageTitle.js';
import { ok, type paths } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { notify } from '../shared/notify.js';
import { PermissionButton } from '../../components/PermissionButton.js';
import { checkPassword, checkUsername, expiryFromInput, expiryOf, grantOptions, type RoleInfo } from './model.js';

type User = paths['/rest/v1/users']['get']['responses'][200]['content']['application/json']['content'][number];
type Token = paths['/rest/v1/apitokens']['get']['responses'][200]['content']['application/json']['content'][number];

const ADMIN = 'UPDATE_TENANT_CONFIGURATION';

function useRoles() {
  const session = useSession();
  return useQuery({
    queryKey: ['users', 'roles'],
    queryFn: async () => ok(session.api.GET('/rest/v1/roles')),
    staleTime: Infinity,
  });
}

export function UsersAndTokens() {
  return (
    <>
      <PageTitle>Users and tokens</PageTitle>
      <Tabs defaultValue="users" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="users">Users</Tabs.Tab>
          <Tabs.Tab value="tokens">API tokens</Tabs.Tab>
          <Tabs.Tab value="roles">Roles</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="users">
          <Users />
        </Tabs.Panel>
        <Tabs.Panel value="tokens">
          <Tokens />
        </Tabs.Panel>
        <Tabs.Panel value="roles">
          <Roles />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}

// --- users -------------------------------------------------------------------------------------

type Dialog = { kind: 'create' } | { kind: 'roles'; user: User } | { kind: 'password'; user: User } | { kind: 'delete'; user: User } | undefined;
const userColumn = createColumnHelper<User>();

function Users() {
  const session = useSession();
  const [dialog, setDialog] = useState<Dialog>();
  const me = session.user.username;
  const admin = session.can(ADMIN) ? undefined : `Needs the permission ${ADMIN}.`;
  const columns = [
    userColumn.accessor('username', { header: 'User', cell: (c) => (c.getValue() === me ? `${c.getValue()} (you)` : c.getValue()) }),
    userColumn.accessor('roles', {
      header: 'Roles',
      cell: (c) => (
        <Group gap={4}>
          {c.getValue().length === 0 ? <Text c="dimmed">none</Text> : null}
          {c.getValue().map((r) => (
            <Badge key={r} variant="light">
              {r}
            </Badge>
          ))}
        </Group>
      ),
    }),
    userColumn.accessor('permissions', {
      header: 'Grants',
      cell: (c) => (
        <Tooltip label={c.getValue().join(', ') || 'nothing'} multiline w={400}>
          <Text size="sm" tabIndex={0} td="underline dotted">
            {c.getValue().length} permissions
          </Text>
        </Tooltip>
      ),
    }),
    userColumn.accessor('createdAt', { header: 'Created', cell: (c) => new Date(c.getValue()).toLocaleDateString() }),
    userColumn.display({
      id: 'actions',
      header: 'Actions',
      cell: (c) => {
        const user = c.row.original;
        const self = user.username === me;
        return (
          <Group gap={4} wrap="nowrap">
            <PermissionButton
              size="compact-xs"
              variant="default"
              blocked={admin ?? (self ? 'You cannot change your own roles; ask another administrator.' : undefined)}
              onClick={() => setDialog({ kind: 'roles', user })}
              aria-label={`Change roles of ${user.username}`}
            >
              Roles
            </PermissionButton>
            <PermissionButton
              size="compact-xs"
              variant="default"
              blocked={self ? undefined : admin}
              onClick={() => setDialog({ kind: 'password', user })}
              aria-label={self ? 'Change your password' : `Reset the password of ${user.username}`}
            >
              Password
            </PermissionButton>
            <PermissionButton
              size="compact-xs"
              variant="outline"
              color="red.9"
              blocked={admin ?? (self ? 'You cannot delete yourself; ask another administrator.' : undefined)}
              onClick={() => setDialog({ kind: 'delete', user })}
              aria-label={`Delete ${user.username}`}
            >
              Delete
            </PermissionButton>
          </Group>
        );
      },
    }),
  ];
  const fetchPage = async (r: PageRequest) => {
    const page = await ok(session.api.GET('/rest/v1/users', { params: { query: { offset: String(r.offset), limit: String(r.limit) } } }));
    return { content: page.content, total: page.total };
  };
  const close = () => setDialog(undefined);
  return (
    <>
      <Group justify="flex-end" mb="sm">
        <PermissionButton blocked={admin} onClick={() => setDialog({ kind: 'create' })}>
          New user
        </PermissionButton>
      </Group>
      <DataTable<User> queryKey={['users']} caption="users" fetchPage={fetchPage} columns={columns} />
      {dialog?.kind === 'create' ? <CreateUser onClose={close} /> : null}
      {dialog?.kind === 'roles' ? <ChangeRoles user={dialog.user} onClose={close} /> : null}
      {dialog?.kind === 'password' ? <SetPassword user={dialog.user} self={dialog.user.username === me} onClose={close} /> : null}
      {dialog?.kind === 'delete' ? <DeleteUser user={dialog.user} onClose={close} /> : null}
    </>
  );
}

function GrantPicker({ value, onChange, label, error }: { value: string[]; onChange: (v: string[]) => void; label: string; error?: string | undefined }) {
  const roles = useRoles();
  // Grants the server no longer lists (or legacy names) stay choosable as they are.
  const known = new Set([...(roles.data?.roles.map((r) => r.name) ?? []), ...(roles.data?.permissions ?? [])]);
  const data = roles.data ? grantOptions(roles.data.roles, roles.data.permissions) : [];
  const extra = value.filter((v) => !known.has(v));
  if (extra.length) data.push({ group: 'Other', items: extra.map((v) => ({ value: v, label: v })) });
  return (
    <MultiSelect
      label={label}
      description="Roles and single permissions. You can grant only what you hold yourself."
      data={data}
      value={value}
      onChange={onChange}
      searchable
      placeholder={roles.isPending ? 'Loading roles…' : 'Choose'}
      error={error ?? (roles.error ? 'The roles could not be loaded; type their names.' : undefined)}
      maxDropdownHeight={300}
    />
  );
}

function useInvalidate(root: string) {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: [root] });
}

function CreateUser({ onClose }: { onClose: () => void }) {
  const session = useSession();
  const invalidate = useInvalidate('users');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [roles, setRoles] = useState<string[]>([]);
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const create = useMutation({
    mutationFn: async () => ok(session.api.POST('/rest/v1/users', { body: { username, password, roles } })),
    onSuccess: async (user) => {
      notify('green', 'User created', `${user.username} can sign in now.`);
      await invalidate();
      onClose();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = { username: checkUsername(username), password: checkPassword(password) };
    setErrors(found);
    if (!found.username && !found.password) create.mutate();
  };
  return (
    <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened onClose={onClose} title="New user">
      <form onSubmit={submit}>
        <Stack>
          <TextInput label="User name" value={username} onChange={(e) => setUsername(e.currentTarget.value)} error={errors.username} data-autofocus />
          <PasswordInput
            label="Password"
            description="At least 12 characters. Tell it to the user by a safe way."
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={errors.password}
            autoComplete="new-password"
          />
          <GrantPicker label="Roles" value={roles} onChange={setRoles} />
          <ErrorNote error={create.error} mb="0" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create user
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function ChangeRoles({ user, onClose }: { user: User; onClose: () => void }) {
  const session = useSession();
  const invalidate = useInvalidate('users');
  const [roles, setRoles] = useState<string[]>(user.roles);
  const save = useMutation({
    mutationFn: async () => ok(session.api.PUT('/rest/v1/users/{username}', { params: { path: { username: user.username } }, body: { roles } })),
    onSuccess: async () => {
      notify('green', 'Roles changed', `${user.username} now has: ${roles.join(', ') || 'no roles'}.`);
      await invalidate();
      onClose();
    },
  });
  return (
    <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened onClose={onClose} title={`Roles of ${user.username}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Stack>
          <GrantPicker label="Roles" value={roles} onChange={setRoles} />
          <ErrorNote error={save.error} mb="0" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              Save roles
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function SetPassword({ user, self, onClose }: { user: User; self: boolean; onClose: () => void }) {
  const session = useSession();
  const [password, setPassword] = useState('');
  const [current, setCurrent] = useState('');
  const [error, setError] = useState<string | undefined>();
  const save = useMutation({
    mutationFn: async () =>
      ok(
        session.api.PUT('/rest/v1/users/{username}/password', {
          params: { path: { username: user.username } },
          body: self ? { password, currentPassword: current } : { password },
        }),
      ),
    onSuccess: () => {
      notify('green', 'Password changed', self ? 'Use it at your next sign-in.' : `${user.username} has a new password.`);
      onClose();
    },
  });
  return (
    <Modal
      closeButtonProps={{ 'aria-label': 'Close' }}
      opened
      onClose={onClose}
      title={self ? 'Change your password' : `Reset the password of ${user.username}`}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const found = checkPassword(password);
          setError(found);
          if (!found) save.mutate();
        }}
      >
        <Stack>
          {self ? (
            <PasswordInput
              label="Current password"
              value={current}
              onChange={(e) => setCurrent(e.currentTarget.value)}
              autoComplete="current-password"
              data-autofocus
            />
          ) : null}
          <PasswordInput
            label="New password"
            description="At least 12 characters."
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={error}
            autoComplete="new-password"
            data-autofocus={!self || undefined}
          />
          <ErrorNote error={save.error} mb="0" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              Set password
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function DeleteUser({ user, onClose }: { user: User; onClose: () => void }) {
  const session = useSession();
  const invalidate = useInvalidate('users');
  const remove = useMutation({
    mutationFn: async () => ok(session.api.DELETE('/rest/v1/users/{username}', { params: { path: { username: user.username } } })),
    onSuccess: async () => {
      notify('green', 'User deleted', `${user.username} and their API tokens are gone.`);
      await invalidate();
      onClose();
    },
  });
  return (
    <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened onClose={onClose} title={`Delete ${user.username}?`}>
      <Stack>
        <Text>The user can no longer sign in, and every API token they made is revoked with them.</Text>
        <ErrorNote error={remove.error} mb="0" />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose} data-autofocus>
            Cancel
          </Button>
          <Button color="red" onClick={() => remove.mutate()} loading={remove.isPending}>
            Delete user
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

// --- API tokens --------------------------------------------------------------------------------

const tokenColumn = createColumnHelper<Token>();

function Tokens() {
  const session = useSession();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<Token | undefined>();
  const admin = session.can(ADMIN) ? undefined : `Needs the permission ${ADMIN}.`;
  // A render-time clock is fine here: the label says "soon" for a week, not to the second.
  const [now] = useState(() => Date.now());
  const columns = [
    tokenColumn.accessor('name', { header: 'Name' }),
    tokenColumn.accessor('owner', { header: 'Made by' }),
    tokenColumn.accessor('roles', {
      header: 'Roles',
      cell: (c) => (
        <Group gap={4}>
          {c.getValue().map((r) => (
            <Badge key={r} variant="light">
              {r}
            </Badge>
          ))}
        </Group>
      ),
    }),
    tokenColumn.accessor('createdAt', { header: 'Created', cell: (c) => new Date(c.getValue()).toLocaleDateString() }),
    tokenColumn.display({
      id: 'expiry',
      header: 'Expiry',
      cell: (c) => {
        const e = expiryOf(c.row.original, now);
        return (
          <Badge variant="dot" color={e.color}>
            {e.label}
          </Badge>
        );
      },
    }),
    tokenColumn.accessor('lastUsedAt', { header: 'Last used', cell: (c) => (c.getValue() === null ? 'never' : new Date(c.getValue()!).toLocaleString()) }),
    tokenColumn.display({
      id: 'revoke',
      header: 'Actions',
      cell: (c) => (
        <PermissionButton
          size="compact-xs"
          variant="outline"
          color="red.9"
          blocked={admin}
          onClick={() => setRevoking(c.row.original)}
          aria-label={`Revoke ${c.row.original.name}`}
        >
          Revoke
        </PermissionButton>
      ),
    }),
  ];
  const fetchPage = async (r: PageRequest) => {
    const page = await ok(session.api.GET('/rest/v1/apitokens', { params: { query: { offset: String(r.offset), limit: String(r.limit) } } }));
    return { content: page.content, total: page.total };
  };
  return (
    <>
      <Group justify="flex-end" mb="sm">
        <PermissionButton blocked={admin} onClick={() => setCreating(true)}>
          New API token
        </PermissionButton>
      </Group>
      <DataTable<Token> queryKey={['apitokens']} caption="API tokens" fetchPage={fetchPage} columns={columns} />
      {creating ? <CreateToken onClose={() => setCreating(false)} /> : null}
      {revoking ? <RevokeToken token={revoking} onClose={() => setRevoking(undefined)} /> : null}
    </>
  );
}

function CreateToken({ onClose }: { onClose: () => void }) {
  const session = useSession();
  const invalidate = useInvalidate('apitokens');
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<string[]>([]);
  const [expires, setExpires] = useState('');
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const create = useMutation({
    mutationFn: async (expiresAt: number | undefined) =>
      ok(session.api.POST('/rest/v1/apitokens', { body: { name, roles, ...(expiresAt === undefined ? {} : { expiresAt }) } })),
    onSuccess: () => invalidate(),
  });
  if (create.data)
    return (
      <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened onClose={onClose} title={`Token ${create.data.name}`} closeOnClickOutside={false}>
        <Stack>
          <Alert color="yellow" styles={{ title: { color: 'var(--mantine-color-text)' } }} title="Copy it now: it is shown only this once">
            The server keeps only its hash. Store the token where the tool that uses it can read it; whoever holds it can do what its roles allow.
          </Alert>
          <Code block data-testid="new-token">
            {create.data.token}
          </Code>
          <Group justify="space-between">
            <CopyButton value={create.data.token}>
              {({ copied, copy }) => (
                <Button variant="light" color={copied ? 'teal' : undefined} onClick={copy}>
                  {copied ? 'Copied' : 'Copy token'}
                </Button>
              )}
            </CopyButton>
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      </Modal>
    );
  return (
    <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened onClose={onClose} title="New API token">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const expiry = expiryFromInput(expires, Date.now());
          const found = {
            name: checkUsername(name),
            roles: roles.length === 0 ? 'Give the token at least one role.' : undefined,
            expires: 'error' in expiry ? expiry.error : undefined,
          };
          setErrors(found);
          if (!found.name && !found.roles && 'expiresAt' in expiry) create.mutate(expiry.expiresAt);
        }}
      >
        <Stack>
          <TextInput
            label="Token name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
            data-autofocus
            description="e.g. ci-pipeline"
          />
          <GrantPicker label="Roles" value={roles} onChange={setRoles} error={errors.roles} />
          <TextInput
            type="date"
            label="Expires after"
            description="Empty: never. It stops working at the end of that day."
            value={expires}
            onChange={(e) => setExpires(e.currentTarget.value)}
            error={errors.expires}
          />
          <Text size="sm" c="dimmed">
            A token acts for you: it may do only what its roles allow and what you may do yourself, at each request.
          </Text>
          <ErrorNote error={create.error} mb="0" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create token
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function RevokeToken({ token, onClose }: { token: Token; onClose: () => void }) {
  const session = useSession();
  const invalidate = useInvalidate('apitokens');
  const revoke = useMutation({
    mutationFn: async () => ok(session.api.DELETE('/rest/v1/apitokens/{id}', { params: { path: { id: String(token.id) } } })),
    onSuccess: async () => {
      notify('green', 'Token revoked', `${token.name} no longer works.`);
      await invalidate();
      onClose();
    },
  });
  return (
    <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened onClose={onClose} title={`Revoke ${token.name}?`}>
      <Stack>
        <Text>Every tool using this token is refused from now on. This cannot be undone.</Text>
        <ErrorNote error={revoke.error} mb="0" />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose} data-autofocus>
            Cancel
          </Button>
          <Button color="red" onClick={() => revoke.mutate()} loading={revoke.isPending}>
            Revoke token
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

// --- roles -------------------------------------------------------------------------------------

function Roles() {
  const roles = useRoles();
  if (roles.error) return <ErrorNote error={roles.error} />;
  if (!roles.data) return <Text c="dimmed">Loading the roles…</Text>;
  return (
    <Table>
      <caption style={{ textAlign: 'left', captionSide: 'top' }}>What each role grants</caption>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Role</Table.Th>
          <Table.Th>Permissions</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {roles.data.roles.map((r: RoleInfo) => (
          <Table.Tr key={r.name}>
            <Table.Td fw={600}>{r.name}</Table.Td>
            <Table.Td>
              <Text size="sm">{r.permissions.join(', ')}</Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
