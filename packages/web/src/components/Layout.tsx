/**
 * The signed-in frame: navigation (only the sections the user may read), who is signed in, the
 * live channel's state, sign-out. The live channel runs here, once for the whole console.
 */
import { AppShell, Badge, Burger, Button, Group, NavLink, ScrollArea, Text, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { NavLink as RouterLink, Outlet, useLocation } from 'react-router';
import { invalidateFor, runLiveChannel, type LiveStatus } from '../lib/live.js';
import { useSession } from '../lib/session.js';
import { SECTIONS } from '../sections.js';

function useLiveChannel(token: string): LiveStatus {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>('connecting');
  useEffect(() => {
    const abort = new AbortController();
    void runLiveChannel({ token, onStatus: setStatus, onChanges: (changes) => void invalidateFor(queryClient, changes) }, abort.signal);
    return () => abort.abort();
  }, [token, queryClient]);
  return status;
}

const LIVE_LABEL: Record<LiveStatus, { color: string; text: string; hint: string }> = {
  live: { color: 'teal', text: 'live', hint: 'Changes appear as they happen.' },
  connecting: { color: 'yellow', text: 'connecting', hint: 'Connecting to the live channel…' },
  offline: { color: 'gray', text: 'offline', hint: 'No live updates; pages refresh when you open them.' },
};

export function Layout() {
  const session = useSession();
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  const live = useLiveChannel(session.token);
  useEffect(() => close(), [location.pathname, close]);
  const sections = SECTIONS.filter((s) => session.can(...s.needs));
  const label = LIVE_LABEL[live];

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group>
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="navigation" />
            <Text fw={700} component="span">
              Osprey
            </Text>
            <Text size="sm" c="dimmed" component="span">
              tenant {session.user.tenant}
            </Text>
          </Group>
          <Group>
            <Tooltip label={label.hint}>
              <Badge color={label.color} variant="dot" data-testid="live-status" tabIndex={0}>
                {label.text}
              </Badge>
            </Tooltip>
            <Text size="sm" component="span">
              {session.user.username}
            </Text>
            <Button variant="default" size="xs" onClick={() => void session.signOut()}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="sections">
        <ScrollArea>
          {sections.map((s) => (
            <NavLink key={s.path} component={RouterLink} to={s.path} label={s.label} end={s.path === '/'} />
          ))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
