import '@mantine/core/styles.css';
import '@mantine/charts/styles.css';
import '@mantine/notifications/styles.css';
import { MantineProvider, Modal, Notification, createTheme, type CSSVariablesResolver } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './app.js';
import { ApiError } from './lib/api.js';
import { SessionProvider } from './lib/session.js';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // The live channel invalidates what changed; no polling on focus on top of it.
      refetchOnWindowFocus: false,
      staleTime: 10_000,
      // A refusal (4xx) will not change by asking again.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    },
  },
});

// Contrast (WCAG AA, 4.5:1, checked by axe): Mantine's default shade 6 and its dimmed gray-6 are
// too light on white, so filled and light variants use shade 9, dimmed text gray-7 and errors red-8.
// Icon-only close buttons get a name (axe: button-name).
const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'sm',
  primaryShade: { light: 9, dark: 8 },
  autoContrast: true,
  components: {
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
    Notification: Notification.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close notification' } } }),
  },
});
// The light variants darken on hover (shade 9 text on shade 2: 4.1:1, e.g. the navigation link
// under the pointer): they lighten instead (shade 0), which keeps the text readable.
const cssVariablesResolver: CSSVariablesResolver = (t) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    '--mantine-color-error': 'var(--mantine-color-red-8)',
    ...Object.fromEntries(Object.keys(t.colors).map((color) => [`--mantine-color-${color}-light-hover`, `var(--mantine-color-${color}-0)`])),
  },
  dark: {},
});

const root = document.getElementById('root');
if (!root) throw new Error('no #root element');
createRoot(root).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver}>
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <SessionProvider>
          <BrowserRouter>
            <App />
          </BrowserRouter>
        </SessionProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
