import { Badge } from '@mantine/core';
import { statusLabel, type RolloutStatus } from './model.js';

/** The rollout's status as a word on a coloured badge (the word carries the meaning, not the colour). */
export function StatusBadge({ status, testId }: { status: RolloutStatus; testId?: string }) {
  const { label, color } = statusLabel(status);
  return (
    <Badge color={color} variant="dot" data-testid={testId}>
      {label}
    </Badge>
  );
}
