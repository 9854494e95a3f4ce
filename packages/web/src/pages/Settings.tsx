/** The tenant's configuration. */
import { TenantSettings } from '../areas/settings/TenantSettings.js';

export default function Settings() {
  return <TenantSettings />;
}
