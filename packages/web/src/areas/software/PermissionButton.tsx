/**
 * A button for an action the user may lack the permission for: usable when they hold it;
 * otherwise shown but inert, with a tooltip naming the missing permission (the server checks
 * again). Not `disabled`, which would take the button out of the keyboard order and mute the tooltip.
 */
import { Button, Tooltip, type ButtonProps } from '@mantine/core';
import type { ReactNode } from 'react';
import { useSession } from '../../lib/session.js';

export interface PermissionButtonProps extends ButtonProps {
  needs: string | string[];
  onClick?: () => void;
  type?: 'button' | 'submit';
  children: ReactNode;
  'aria-label'?: string;
  /** Another reason the user may not do it now (e.g. the four-eyes rule), said the same way. */
  refusal?: string | undefined;
}

export function PermissionButton({ needs, onClick, children, refusal, ...props }: PermissionButtonProps) {
  const session = useSession();
  const needed = Array.isArray(needs) ? needs : [needs];
  const missing = needed.filter((p) => !session.can(p));
  if (missing.length === 0 && !refusal)
    return (
      <Button {...props} onClick={onClick}>
        {children}
      </Button>
    );
  const why = missing.length > 0 ? `Needs the permission ${missing.join(' and ')}` : refusal!;
  return (
    <Tooltip label={why}>
      <Button {...props} type="button" data-disabled aria-disabled="true" aria-description={why} onClick={(e) => e.preventDefault()}>
        {children}
      </Button>
    </Tooltip>
  );
}
