/**
 * A device's actions, newest first, with cancel and force where they apply, and each action's
 * status history (every message the device sent) in a drawer.
 */
import { Anchor, Badge, Button, Code, Drawer, Group, List, Stack, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useState } from 'react';
import { Link } from 'react-router';
import { DataTable, type PageRequest } from '../../components/DataTable.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { ok } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { PermissionButton } from '../../components/PermissionButton.js';
import { actionStatusLook, canCancel, canForce, formatTime } from './status.js';
import type { Action, ActionStatusPage } from './types.js';

type StatusEntry = ActionStatusPage['content'][number];

export function ActionStatusBadge({ status }: { status: string }) {
  const look = actionStatusLook(status);
  return (
    <Tooltip label={look.hint}>
      <Badge color={look.color} variant="dot" tabIndex={0} miw="max-content">
        {look.label}
      </Badge>
    </Tooltip>
  );
}

const setIdOf = (action: Action) => /\/distributionsets\/(\d+)$/.exec(action._links.distributionset.href)?.[1];

function StatusHistory({ controllerId, actionId }: { controllerId: string; actionId: number }) {
  const session = useSession();
  const columns: ColumnDef<StatusEntry>[] = [
    { id: 'reportedAt', header: 'Reported', cell: ({ row }) => formatTime(row.original.reportedAt) },
    { id: 'type', header: 'Status', cell: ({ row }) => <ActionStatusBadge status={row.original.type} /> },
    { id: 'code', header: 'Code', cell: ({ row }) => (row.original.code === undefined ? '—' : <Code>{row.original.code}</Code>) },
    {
      id: 'messages',
      header: 'Messages',
      cell: ({ row }) =>
        row.original.messages.length === 0 ? (
          <Text c="dimmed">none</Text>
        ) : (
          <List size="sm" spacing={2}>
            {row.original.messages.map((m, i) => (
              <List.Item key={i} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                {m}
              </List.Item>
            ))}
          </List>
        ),
    },
  ];
  return (
    <DataTable<StatusEntry>
      queryKey={['target', controllerId, 'action', actionId, 'status']}
      caption={`status messages of action ${actionId}`}
      columns={columns}
      pageSizes={[50, 100]}
      fetchPage={(r: PageRequest) =>
        ok(
          session.api.GET('/rest/v1/targets/{controllerId}/actions/{actionId}/status', {
            params: { path: { controllerId, actionId: String(actionId) }, query: { offset: String(r.offset), limit: String(r.limit) } },
          }),
        )
      }
    />
  );
}

function ActionControls({ controllerId, action }: { controllerId: string; action: Action }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['target', controllerId] });
  const cancel = useMutation({
    mutationFn: () =>
      ok(session.api.DELETE('/rest/v1/targets/{controllerId}/actions/{actionId}', { params: { path: { controllerId, actionId: String(action.id) } } })),
    onSuccess: async () => {
      notifications.show({ color: 'teal', title: 'Cancel sent', message: `Action ${action.id} is canceling until the device confirms.` });
      await refresh();
    },
  });
  const force = useMutation({
    mutationFn: () =>
      ok(
        session.api.PUT('/rest/v1/targets/{controllerId}/actions/{actionId}', {
          params: { path: { controllerId, actionId: String(action.id) } },
          body: { forceType: 'forced' },
        }),
      ),
    onSuccess: async () => {
      notifications.show({ color: 'teal', title: 'Action forced', message: `Action ${action.id} is now forced: the device installs without asking.` });
      await refresh();
    },
  });
  if (!action.active) return null;
  return (
    <Stack gap={4}>
      <Group gap="xs" wrap="nowrap">
        <PermissionButton
          size="xs"
          variant="default"
          needs={['UPDATE_TARGET']}
          blocked={canCancel(action) ? undefined : 'Already canceling'}
          loading={cancel.isPending}
          onClick={() => cancel.mutate()}
        >
          Cancel action
        </PermissionButton>
        <PermissionButton
          size="xs"
          variant="default"
          needs={['UPDATE_TARGET']}
          blocked={canForce(action) ? undefined : action.forceType === 'forced' ? 'Forced already' : 'Not while canceling'}
          loading={force.isPending}
          onClick={() => force.mutate()}
        >
          Force
        </PermissionButton>
      </Group>
      <ErrorNote error={cancel.error ?? force.error} mb="0" />
    </Stack>
  );
}

export function ActionHistory({ controllerId }: { controllerId: string }) {
  const session = useSession();
  const [shown, setShown] = useState<number | undefined>();
  const columns: ColumnDef<Action>[] = [
    { id: 'id', header: 'Action', enableSorting: true, cell: ({ row }) => `#${row.original.id}` },
    { id: 'status', header: 'Status', enableSorting: true, cell: ({ row }) => <ActionStatusBadge status={row.original.status} /> },
    { id: 'type', header: 'Kind', cell: ({ row }) => `${row.original.type}, ${row.original.forceType}${row.original.active ? '' : ' (closed)'}` },
    {
      id: 'set',
      header: 'Set',
      cell: ({ row }) => {
        const id = setIdOf(row.original);
        return id ? (
          <Anchor component={Link} to={`/distributionsets/${id}`}>
            set {id}
          </Anchor>
        ) : (
          '—'
        );
      },
    },
    { id: 'createdAt', header: 'Created', enableSorting: true, cell: ({ row }) => formatTime(row.original.createdAt) },
    { id: 'lastModifiedAt', header: 'Last change', cell: ({ row }) => formatTime(row.original.lastModifiedAt) },
    {
      id: 'controls',
      header: 'Controls',
      cell: ({ row }) => (
        <Group gap="xs" align="flex-start" wrap="nowrap">
          <Button size="xs" variant="light" onClick={() => setShown(row.original.id)} aria-label={`Messages of action ${row.original.id}`}>
            Messages
          </Button>
          <ActionControls controllerId={controllerId} action={row.original} />
        </Group>
      ),
    },
  ];
  return (
    <>
      <DataTable<Action>
        queryKey={['target', controllerId, 'actions']}
        caption="actions"
        columns={columns}
        initialSort={[{ id: 'id', desc: true }]}
        pageSizes={[10, 25, 50]}
        empty="No actions yet: assign a distribution set to start one."
        fetchPage={(r: PageRequest) =>
          ok(
            session.api.GET('/rest/v1/targets/{controllerId}/actions', {
              params: { path: { controllerId }, query: { offset: String(r.offset), limit: String(r.limit), ...(r.sort ? { sort: r.sort } : {}) } },
            }),
          )
        }
      />
      <Drawer
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={shown !== undefined}
        onClose={() => setShown(undefined)}
        position="right"
        size="xl"
        title={`Status history of action ${shown ?? ''}`}
      >
        {shown !== undefined ? <StatusHistory controllerId={controllerId} actionId={shown} /> : null}
      </Drawer>
    </>
  );
}
