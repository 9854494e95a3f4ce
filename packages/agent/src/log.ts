/**
 * The agent's log: one small interface, injected (`AgentOptions.logger`), so the orchestrator
 * does not decide where lines go. The service logs JSON lines to stderr for journald; tests and
 * the fleet simulator stay silent or collect what they need.
 */
export interface AgentLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: AgentLogger = { info() {}, warn() {}, error() {} };

/** Logs one JSON line per event to stderr (journald-friendly); `prefix` goes into every line (e.g. the controller id). */
export function jsonLogger(prefix: Record<string, unknown> = {}): AgentLogger {
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...prefix, ...fields })}\n`);
  return { info: line('info'), warn: line('warn'), error: line('error') };
}
