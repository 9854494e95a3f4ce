/**
 * A yellow or orange notice whose title stays readable: Mantine's light alert writes the title in
 * the colour itself, which on its pale background is far below 4.5:1 for yellow and orange.
 */
import { Alert, type AlertProps } from '@mantine/core';
import type { ReactNode } from 'react';

const readable = { title: { color: 'var(--mantine-color-black)' } };

export function WarningAlert({ children, ...props }: AlertProps & { children: ReactNode }) {
  return (
    <Alert color="yellow" {...props} styles={readable}>
      {children}
    </Alert>
  );
}
