/**
 * What a device reports (hawkBit DDI §1.5, §1.6): feedback on a deployment and on a cancellation,
 * its consent (confirmation feedback, auto-confirm), and the set it runs (installedBase).
 *
 * Feedback locks the action row, computes the effect from the pure table in packages/protocol
 * (`deploymentFeedbackEffect`, `cancelFeedbackEffect`), then moves the action with a transition
 * `UPDATE … WHERE status = $from AND active`, in one transaction with its status row: a retried or
 * concurrent report is applied at most once, and a closed action answers 410.
 */
import { cancelFeedbackEffect, deploymentFeedbackEffect, MESSAGE_PART_LENGTH, type ActionStatus, type DdiFeedback } from '@osprey/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ActionStore, type DeviceAction } from '../../db/stores/actions.js';
import { DeploymentContentStore } from '../../db/stores/deployment-content.js';
import { TargetStore, type DeviceTarget } from '../../db/stores/targets.js';
import { ServerError, notFound } from '../../errors.js';
import type { DeviceChanges } from './device-changes.js';
import { QUOTAS } from './quotas.js';

/**
 * One detail in parts of at most MESSAGE_PART_LENGTH characters, as hawkBit splits a long message
 * (`ActionStatus.addMessage`). A part never ends between the two halves of a surrogate pair: the
 * pair moves to the next part, so every part is valid Unicode (jsonb refuses a lone surrogate).
 */
export function messageParts(detail: string): string[] {
  if (detail.length <= MESSAGE_PART_LENGTH) return [detail];
  const parts: string[] = [];
  let at = 0;
  while (at < detail.length) {
    let end = Math.min(at + MESSAGE_PART_LENGTH, detail.length);
    const last = detail.charCodeAt(end - 1);
    if (end < detail.length && last >= 0xd800 && last <= 0xdbff) end--;
    parts.push(detail.slice(at, end));
    at = end;
  }
  return parts;
}

/**
 * The device's details of one status row in parts. More than hawkBit's quota of messages per
 * status (counted in parts) is a 429, as more than 50 details always was.
 */
export function detailMessages(details: readonly string[]): string[] {
  const messages: string[] = [];
  for (const detail of details) {
    // Stop splitting once the quota is exceeded: a huge detail costs no more than the quota.
    if (messages.length > QUOTAS.messagesPerStatus) break;
    messages.push(...messageParts(detail));
  }
  if (messages.length > QUOTAS.messagesPerStatus) {
    throw new ServerError(
      'QUOTA_EXCEEDED',
      `at most ${QUOTAS.messagesPerStatus} messages of ${MESSAGE_PART_LENGTH} characters per status (a longer detail counts as several)`,
    );
  }
  return messages;
}

/** The device's line for a status code, after its details (hawkBit's wording). */
const codeMessage = (code: number) => `Device reported status code: ${code}`;

type FeedbackKind = 'deployment' | 'cancel';

export class FeedbackService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: DeviceChanges,
  ) {}

  /** Feedback on deploymentBase (§1.5, first column), applied in one transaction. */
  async deploymentFeedback(target: DeviceTarget, actionId: number, feedback: DdiFeedback): Promise<void> {
    await this.applyFeedback(target, actionId, feedback, 'deployment');
  }

  /** Feedback on cancelAction (§1.5, second column; the cancel handshake). */
  async cancelFeedback(target: DeviceTarget, actionId: number, feedback: DdiFeedback): Promise<void> {
    await this.applyFeedback(target, actionId, feedback, 'cancel');
  }

  private async applyFeedback(target: DeviceTarget, actionId: number, feedback: DdiFeedback, kind: FeedbackKind): Promise<void> {
    const { tenant } = target;
    const { execution, result, code } = feedback.status;
    const messages = detailMessages(feedback.status.details ?? []);
    if (code !== undefined) messages.push(codeMessage(code));
    if (messages.length === 0) messages.push(`Update Server: Target reported ${execution}`);
    await this.changes.apply(target, async (trx, now) => {
      const actions = new ActionStore(trx);
      // Lock the action row: concurrent feedback for one action is applied one at a time.
      const action = await actions.deviceActionOf(tenant, target.id, actionId, { lock: true });
      if (!action) throw notFound(`action ${actionId}`);
      if (!action.active) throw new ServerError('ACTION_INACTIVE', `action ${actionId} is closed; feedback is no longer accepted`);
      if (kind === 'cancel' && action.status !== 'CANCELING') throw notFound(`cancellation of action ${actionId}`);
      if (kind === 'deployment' && (action.status === 'CANCELING' || action.status === 'WAIT_FOR_CONFIRMATION')) {
        throw notFound(`deployment for action ${actionId}`);
      }
      const count = await actions.statusCount(tenant, actionId);
      const effect =
        kind === 'deployment'
          ? deploymentFeedbackEffect(execution, result.finished, { downloadOnly: action.actionType === 'downloadonly' })
          : cancelFeedbackEffect(execution, result.finished);
      // A final status is always accepted, so a device can close its action whatever its history.
      if (!effect.closesAction && count >= QUOTAS.statusEntriesPerAction) {
        throw new ServerError('QUOTA_EXCEEDED', `action ${actionId} already has ${count} status entries (limit ${QUOTAS.statusEntriesPerAction})`);
      }
      await actions.addStatus(tenant, actionId, effect.status, messages, now, code ?? null);
      let next: ActionStatus = action.status;
      let active = true;
      if (effect.closesAction) {
        next = effect.status;
        active = false;
      } else if (effect.resumesAction) {
        next = 'RUNNING';
      } else if (kind === 'deployment' && effect.status !== 'CANCELED') {
        next = effect.status;
      }
      const applied = await actions.transition(tenant, actionId, action.status, {
        status: next,
        active,
        lastStatusCode: code ?? action.lastStatusCode,
        at: now,
      });
      if (!applied) throw new ServerError('CONFLICT', `action ${actionId} changed concurrently; retry`);
      if (!active) await closeTarget(new TargetStore(trx), new ActionStore(trx), target, action, next);
    });
  }

  /** POST confirmationBase/{id}/feedback: confirmed → RUNNING; denied → stays waiting (#1667). */
  async confirmationFeedback(
    target: DeviceTarget,
    actionId: number,
    confirmation: 'confirmed' | 'denied',
    code: number | undefined,
    details: readonly string[],
  ): Promise<void> {
    const { tenant } = target;
    const messages = detailMessages(details);
    messages.push(confirmation === 'confirmed' ? 'Update Server: Target confirmed the action.' : 'Update Server: Target denied the action.');
    if (code !== undefined) messages.push(codeMessage(code));
    await this.changes.apply(target, async (trx, now) => {
      const actions = new ActionStore(trx);
      const action = await actions.deviceActionOf(tenant, target.id, actionId, { lock: true });
      if (!action) throw notFound(`action ${actionId}`);
      if (!action.active) throw new ServerError('ACTION_INACTIVE', `action ${actionId} is closed`);
      if (action.status !== 'WAIT_FOR_CONFIRMATION') throw notFound(`confirmation of action ${actionId}`);
      await actions.addStatus(tenant, actionId, confirmation === 'confirmed' ? 'RUNNING' : 'WAIT_FOR_CONFIRMATION', messages, now, code ?? null);
      if (confirmation === 'confirmed') {
        await actions.transition(tenant, actionId, 'WAIT_FOR_CONFIRMATION', {
          status: 'RUNNING',
          active: true,
          lastStatusCode: action.lastStatusCode,
          at: now,
        });
      }
    });
  }

  /** Auto-confirm on: every waiting action of the target is confirmed at once (§1.6). Off: only the flag. */
  async setAutoConfirm(target: DeviceTarget, active: boolean, initiator?: string, remark?: string): Promise<void> {
    const { tenant } = target;
    await this.changes.apply(target, async (trx, now) => {
      const value = active ? { activatedAt: now.getTime(), ...(initiator ? { initiator } : {}), ...(remark ? { remark } : {}) } : null;
      await new TargetStore(trx).setAutoConfirm(tenant, target.id, value);
      if (!active) return;
      const actions = new ActionStore(trx);
      for (const waiting of await actions.waitingForConfirmation(tenant, target.id)) {
        await actions.addStatus(tenant, waiting.id, 'RUNNING', [`Update Server: Assignment automatically confirmed by ${initiator ?? 'the device'}.`], now);
        await actions.transition(tenant, waiting.id, 'WAIT_FOR_CONFIRMATION', {
          status: 'RUNNING',
          active: true,
          lastStatusCode: waiting.lastStatusCode,
          at: now,
        });
      }
    });
  }

  /** PUT installedBase: the device reports a distribution set it runs ("offline assigned version"). */
  async reportInstalled(target: DeviceTarget, name: string, version: string): Promise<{ created: boolean }> {
    const { tenant } = target;
    const dsId = await new DeploymentContentStore(this.db).setByNameVersion(tenant, name, version);
    if (dsId === undefined) throw notFound(`distribution set ${name}:${version}`);
    return this.changes.apply(target, async (trx, now) => {
      const targets = new TargetStore(trx);
      const sets = await targets.sets(tenant, target.id, { lock: true });
      if (!sets) throw notFound(`target ${target.controllerId}`);
      if (sets.installed === dsId) return { created: false };
      const actions = new ActionStore(trx);
      const reported = await actions.insertReportedInstalled(tenant, target.id, dsId);
      await actions.addStatus(tenant, reported, 'FINISHED', ['Update Server: Target reported the installed distribution set.'], now);
      await targets.reportInstalledSet(tenant, target.id, dsId);
      return { created: true };
    });
  }
}

/** Target effects of a closed action (§1.5 "Effects"). */
async function closeTarget(targets: TargetStore, actions: ActionStore, target: DeviceTarget, action: DeviceAction, status: ActionStatus): Promise<void> {
  const { tenant } = target;
  if (status === 'FINISHED' || status === 'DOWNLOADED') {
    const sets = await targets.sets(tenant, target.id);
    if (!sets) return;
    const installed = status === 'FINISHED' ? action.dsId : sets.installed;
    await targets.recordInstalled(tenant, target.id, {
      installed,
      updateStatus: status === 'DOWNLOADED' || sets.assigned === installed ? 'IN_SYNC' : 'PENDING',
      requestAttributes: status === 'FINISHED',
    });
  } else if (status === 'ERROR') {
    await targets.setUpdateStatus(tenant, target.id, 'ERROR');
  } else if (status === 'CANCELED') {
    // The assignment reverts to the next active action's set, or to what is installed.
    const next = await actions.newestActiveSetOf(tenant, target.id);
    const sets = await targets.sets(tenant, target.id);
    await targets.revertAssignment(tenant, target.id, next ?? sets?.installed ?? null, next !== undefined ? 'PENDING' : 'IN_SYNC');
  }
}
