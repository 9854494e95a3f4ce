/** The audit log with its chain verification. */
import { AuditLog } from '../areas/audit/AuditLog.js';

export default function Audit() {
  return <AuditLog />;
}
