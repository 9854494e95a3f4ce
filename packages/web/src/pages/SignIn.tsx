import { Alert, Button, Center, Paper, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { ErrorNote } from '../components/ErrorNote.js';
import { useSessionState } from '../lib/session.js';

export function SignIn() {
  const { signIn, endedBecause } = useSessionState();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const tenant = String(form.get('tenant') ?? '').trim();
    setBusy(true);
    setError(undefined);
    try {
      await signIn({ username: String(form.get('username') ?? ''), password: String(form.get('password') ?? ''), ...(tenant ? { tenant } : {}) });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Center mih="100vh" component="main">
      <Paper withBorder shadow="sm" p="xl" w={380}>
        <form onSubmit={(e) => void submit(e)} aria-label="sign in">
          <Stack>
            <Title order={1} size="h3">
              Sign in to Osprey
            </Title>
            {endedBecause ? <Alert color="yellow">{endedBecause}</Alert> : null}
            <ErrorNote error={error} mb="0" />
            <TextInput name="username" label="User name" autoComplete="username" required autoFocus />
            <PasswordInput name="password" label="Password" autoComplete="current-password" required />
            <TextInput name="tenant" label="Tenant" placeholder="DEFAULT" description="Leave empty for the default tenant." />
            <Button type="submit" loading={busy}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
