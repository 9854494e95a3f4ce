/** An API error in words, next to what caused it (role="alert", so screen readers hear it). */
import { Alert } from '@mantine/core';
import { describeError } from '../lib/errors.js';

export function ErrorNote({ error, mb = 'sm' }: { error: unknown; mb?: string }) {
  if (!error) return null;
  const { title, message } = describeError(error);
  return (
    <Alert color="red" title={title} mb={mb} role="alert">
      {message}
    </Alert>
  );
}
