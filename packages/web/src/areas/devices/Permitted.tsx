/**
 * A button that needs permissions: enabled only when the session holds them all, otherwise shown
 * disabled with a tooltip naming what is missing (the server would refuse with 403 anyway).
 */
import { Button, Tooltip, type ButtonProps } from '@mantine/core';
import type { ReactNode } from 'react';
import { useSession } from '../../lib/session.js';

export function missingOf(can: (p: string) => boolean, needs: readonly string[]): string[] {
  return needs.filter((p) => !can(p));
}

export function PermittedButton({
  needs,
  children,
  onClick,
  disabled,
  why,
  ...props
}: ButtonProps & { needs: readonly string[]; children: ReactNode; onClick?: () => void; type?: 'button' | 'submit'; why?: string }) {
  const session = useSession();
  const missing = missingOf((p) => session.can(p), needs);
  if (missing.length === 0 && !disabled) {
    return (
      <Button {...props} onClick={onClick}>
        {children}
      </Button>
    );
  }
  const label = missing.length > 0 ? `Needs the ${missing.join(' and ')} permission` : (why ?? 'Not possible now');
  // data-disabled, not disabled: a disabled button gets no pointer or focus events, so its tooltip would never show.
  return (
    <Tooltip label={label}>
      <Button {...props} data-disabled aria-disabled="true" onClick={(e) => e.preventDefault()} type="button">
        {children}
      </Button>
    </Tooltip>
  );
}
