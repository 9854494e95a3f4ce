import { Group, Title } from '@mantine/core';
import { useEffect, type ReactNode } from 'react';

/** The page's heading and the document title (what a screen reader and the tab announce). */
export function PageTitle({ children, actions }: { children: string; actions?: ReactNode }) {
  useEffect(() => {
    document.title = `${children} · Osprey`;
  }, [children]);
  return (
    <Group justify="space-between" mb="md">
      <Title order={1} size="h2">
        {children}
      </Title>
      {actions ? <Group>{actions}</Group> : null}
    </Group>
  );
}
