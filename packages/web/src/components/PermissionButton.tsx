/**
 * A button that may be unusable now: the user lacks a permission it needs (`needs`), or something
 * else stands in the way (`blocked`: the wrong state, the four-eyes rule, nothing to save). It is
 * then shown but inert, with a tooltip saying why — aria-disabled, not `disabled`, which would take
 * it out of the keyboard order and mute the tooltip. The server checks every call again.
 */
import { Button, Tooltip, type ButtonProps } from '@mantine/core';
import type { MouseEvent, ReactNode } from 'react';
import { useSession } from '../lib/session.js';

export interface PermissionButtonProps extends ButtonProps {
  /** Permissions the action needs (all of them). */
  needs?: string | readonly string[];
  /** Why it cannot be done now although the user may; undefined when it can. */
  blocked?: string | undefined;
  onClick?: () => void;
  type?: 'button' | 'submit';
  children: ReactNode;
  'aria-label'?: string;
}

/** Why the button is inert: the missing permissions first, then `blocked`; undefined when usable. */
export function unusableBecause(can: (permission: string) => boolean, needs: string | readonly string[] = [], blocked?: string): string | undefined {
  const missing = (typeof needs === 'string' ? [needs] : needs).filter((p) => !can(p));
  if (missing.length > 0) return `Needs the permission ${missing.join(' and ')}`;
  return blocked;
}

export function PermissionButton({ needs, blocked, onClick, children, type = 'button', ...props }: PermissionButtonProps) {
  const session = useSession();
  const why = unusableBecause((p) => session.can(p), needs, blocked);
  if (why === undefined)
    return (
      <Button {...props} type={type} onClick={onClick}>
        {children}
      </Button>
    );
  return (
    <Tooltip label={why}>
      <Button {...props} type="button" data-disabled aria-disabled="true" aria-description={why} onClick={(e: MouseEvent) => e.preventDefault()}>
        {children}
      </Button>
    </Tooltip>
  );
}
