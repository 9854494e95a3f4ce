import { Dashboard } from '../areas/dashboard/Dashboard.js';

/** /: the fleet at a glance, live. */
export default function DashboardPage() {
  return <Dashboard />;
}
