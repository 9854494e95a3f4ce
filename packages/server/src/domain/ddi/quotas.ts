/** hawkBit's DDI quotas (shared/reference/hawkbit-api.md §1.5, §1.7); beyond them a device gets 429. */
import { MESSAGES_PER_STATUS } from '@osprey/protocol';

export const QUOTAS = { statusEntriesPerAction: 1000, messagesPerStatus: MESSAGES_PER_STATUS, attributesPerTarget: 100 } as const;
