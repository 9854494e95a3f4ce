/**
 * The console: sign-in when there is no session, otherwise the frame with one route per section.
 * Each section owns its sub-routes (`/devices/*` → the device list and `/devices/:id`).
 */
import { Center, Loader } from '@mantine/core';
import { Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { Layout } from './components/Layout.js';
import { useSessionState } from './lib/session.js';
import { SignIn } from './pages/SignIn.js';
import { SECTIONS } from './sections.js';

export function App() {
  const { session } = useSessionState();
  if (!session) return <SignIn />;
  const sections = SECTIONS.filter((s) => session.can(...s.needs));
  return (
    <Suspense
      fallback={
        <Center p="xl">
          <Loader aria-label="loading" />
        </Center>
      }
    >
      <Routes>
        <Route element={<Layout />}>
          {sections.map(({ path, page: Page }) => (
            <Route key={path} path={path === '/' ? '/' : `${path}/*`} element={<Page />} />
          ))}
          <Route path="*" element={<Navigate to={sections[0]?.path ?? '/'} replace />} />
        </Route>
      </Routes>
    </Suspense>
  );
}
