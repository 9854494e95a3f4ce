/**
 * Software: the modules (/software), a module with its artifacts and upload (/software/:id), the
 * module and distribution set types (/software/types) and the tags (/software/tags).
 */
import { Stack, Tabs } from '@mantine/core';
import type { ReactNode } from 'react';
import { Route, Routes, useLocation, useNavigate } from 'react-router';
import { PageTitle } from '../components/PageTitle.js';
import { CatalogueList } from '../areas/software/Catalogue.js';
import { MODULE_TYPES, SET_TAGS, SET_TYPES, TARGET_TAGS } from '../areas/software/kinds.js';
import { ModuleList } from '../areas/software/ModuleList.js';
import { ModulePage } from '../areas/software/ModulePage.js';

const TABS = [
  { path: '/software', label: 'Modules' },
  { path: '/software/types', label: 'Types' },
  { path: '/software/tags', label: 'Tags' },
];

function Frame({ children }: { children: ReactNode }) {
  const location = useLocation();
  const navigate = useNavigate();
  return (
    <>
      <PageTitle>Software</PageTitle>
      <Tabs value={location.pathname.replace(/\/+$/, '')} onChange={(v) => v && void navigate(v)} mb="md">
        <Tabs.List aria-label="software">
          {TABS.map((t) => (
            <Tabs.Tab key={t.path} value={t.path}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      {children}
    </>
  );
}

export default function Software() {
  return (
    <Routes>
      <Route
        index
        element={
          <Frame>
            <ModuleList />
          </Frame>
        }
      />
      <Route
        path="types"
        element={
          <Frame>
            <Stack gap="xl">
              <CatalogueList kind={MODULE_TYPES} />
              <CatalogueList kind={SET_TYPES} />
            </Stack>
          </Frame>
        }
      />
      <Route
        path="tags"
        element={
          <Frame>
            <Stack gap="xl">
              <CatalogueList kind={TARGET_TAGS} />
              <CatalogueList kind={SET_TAGS} />
            </Stack>
          </Frame>
        }
      />
      <Route path=":id" element={<ModulePage />} />
    </Routes>
  );
}
