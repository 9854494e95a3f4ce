/** The services of a tenant's TUF repository, as the composition root wires them and http/ receives them. */
import type { OnlineKeyService } from './online-keys.js';
import type { TufRepositoryService } from './repository.js';
import type { TufRootService } from './root.js';

export interface TufServices {
  /** Creation, reading for serving, re-signing before expiry. */
  repository: TufRepositoryService;
  /** Root import from an offline ceremony and root rotation. */
  root: TufRootService;
  /** The online keys the server holds. */
  keys: OnlineKeyService;
}
