/**
 * The console: sign-in when there is no session, otherwise the frame with one route per section.
 * Each section owns its sub-routes (`/devices/*` → the device list and `/devices/:id`).
 */
import { Alert, Center, Loader } from '@mantine/core';
import { Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { Layout } from './components/Layout.js';
import { PageTitle } from './components/PageTitle.js';
import { useSessionState } from './lib/session.js';
import { SignIn } from './pages/SignIn.js';
import { SECTIONS, type Section } from './sections.js';

/** A section the user may not read, opened by its address: say so and why, rather than redirect silently. */
function Denied({ section, missing }: { section: Section; missing: string[] }) {
  return (
    <>
      <PageTitle>{section.label}</PageTitle>
      <Alert color="red" title="You may not open this section" role="alert">
        It needs the permission {missing.join(', ')}. Ask an administrator for the permission if you need it.
      </Alert>
    </>
  );
}

export function App() {
  const { session } = useSessionState();
  if (!session) return <SignIn />;
  const sections = SECTIONS.filter((s) => session.can(...s.needs));
  const denied = SECTIONS.filter((s) => !session.can(...s.needs));
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
          {denied.map((s) => {
            const missing = s.needs.filter((p) => !session.can(p));
            // The start page is where everyone lands: send them on to a section they may read.
            const first = sections[0];
            const element = s.path === '/' && first ? <Navigate to={first.path} replace /> : <Denied section={s} missing={missing} />;
            return <Route key={s.path} path={s.path === '/' ? '/' : `${s.path}/*`} element={element} />;
          })}
          <Route path="*" element={<Navigate to={sections[0]?.path ?? '/'} replace />} />
        </Route>
      </Routes>
    </Suspense>
  );
}
