/**
 * A button that may be unusable for a reason (a missing permission, the wrong state): then it
 * stays focusable and says why in a tooltip, with aria-disabled, instead of vanishing or going
 * silent. Mantine's own `disabled` would swallow the tooltip's pointer and focus events.
 */
import { Button, Tooltip, type ButtonProps } from '@mantine/core';
import type { MouseEvent, ReactNode } from 'react';

export interface GuardedButtonProps extends ButtonProps {
  /** Why the button cannot be used now; undefined when it can. */
  blocked?: string | undefined;
  onClick?: () => void;
  children: ReactNode;
  type?: 'button' | 'submit';
}

export function GuardedButton({ blocked, onClick, children, type = 'button', ...props }: GuardedButtonProps) {
  if (!blocked)
    return (
      <Button type={type} onClick={onClick} {...props}>
        {children}
      </Button>
    );
  return (
    <Tooltip label={blocked}>
      <Button type="button" {...props} data-disabled aria-disabled="true" onClick={(e: MouseEvent) => e.preventDefault()}>
        {children}
      </Button>
    </Tooltip>
  );
}
