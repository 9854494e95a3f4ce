/**
 * The console's sections: where each lives, what it is called, and the permissions needed to see
 * it (the server checks every call again). Pages load on first visit, so the first paint carries
 * only the frame and the page opened.
 */
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

export interface Section {
  path: string;
  label: string;
  needs: string[];
  page: LazyExoticComponent<ComponentType>;
}

const page = (load: () => Promise<{ default: ComponentType }>) => lazy(load);

export const SECTIONS: Section[] = [
  { path: '/', label: 'Dashboard', needs: ['READ_TARGET'], page: page(() => import('./pages/Dashboard.js')) },
  { path: '/devices', label: 'Devices', needs: ['READ_TARGET'], page: page(() => import('./pages/Devices.js')) },
  { path: '/software', label: 'Software', needs: ['READ_SOFTWARE_MODULE'], page: page(() => import('./pages/Software.js')) },
  { path: '/distributionsets', label: 'Distribution sets', needs: ['READ_DISTRIBUTION_SET'], page: page(() => import('./pages/DistributionSets.js')) },
  { path: '/trust', label: 'Releases and trust', needs: ['READ_DISTRIBUTION_SET'], page: page(() => import('./pages/Trust.js')) },
  { path: '/rollouts', label: 'Rollouts', needs: ['READ_ROLLOUT'], page: page(() => import('./pages/Rollouts.js')) },
  // The server lists users and tokens only with UPDATE_TENANT_CONFIGURATION (http/mgmt/users.ts).
  { path: '/users', label: 'Users and tokens', needs: ['UPDATE_TENANT_CONFIGURATION'], page: page(() => import('./pages/Users.js')) },
  { path: '/settings', label: 'Settings', needs: ['READ_TENANT_CONFIGURATION'], page: page(() => import('./pages/Settings.js')) },
  { path: '/audit', label: 'Audit log', needs: ['READ_AUDIT'], page: page(() => import('./pages/Audit.js')) },
];
