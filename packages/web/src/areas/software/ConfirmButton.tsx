/** An action that cannot be undone (delete, rotate): a button, then a focus-trapped confirmation. */
import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { UseMutationResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ErrorNote } from '../../components/ErrorNote.js';
import { PermissionButton } from '../../components/PermissionButton.js';

export function ConfirmButton({
  label,
  title,
  children,
  confirmLabel,
  needs,
  mutation,
  color = 'red',
  variant = 'light',
  ariaLabel,
}: {
  label: string;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  needs: string | string[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any mutation with no variables
  mutation: UseMutationResult<any, unknown, void, unknown>;
  color?: string;
  variant?: string;
  /** When the label alone is ambiguous (a "Delete" in every row). */
  ariaLabel?: string;
}) {
  const [opened, { open, close }] = useDisclosure();
  return (
    <>
      <PermissionButton needs={needs} color={color} variant={variant} onClick={open} {...(ariaLabel ? { 'aria-label': ariaLabel } : {})}>
        {label}
      </PermissionButton>
      <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={opened} onClose={close} title={title}>
        <Stack>
          <Text component="div">{children}</Text>
          <ErrorNote error={mutation.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button color={color} loading={mutation.isPending} onClick={() => mutation.mutate(undefined, { onSuccess: close })}>
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
