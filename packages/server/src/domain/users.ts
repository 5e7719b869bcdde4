/** GET /users/me: who the token belongs to, and the storage figures (rclone about, SDK smoke tests). */
import type { UserRecord } from '../store/metadata-store.js';
import type { DomainContext } from './context.js';
import { parseFields, select } from './field-selection.js';

/** What Box answers as space_amount for an account without a storage limit. */
export const UNLIMITED_SPACE = 999_999_999_999_999;

export class Users {
  constructor(private readonly ctx: DomainContext) {}

  async me(user: UserRecord, fields?: string) {
    const used = await this.ctx.meta.storageUsed(user.id);
    const full = {
      type: 'user' as const,
      id: user.id,
      name: user.name,
      login: user.login,
      language: 'en',
      timezone: 'UTC',
      space_amount: this.ctx.policy.userQuota ?? UNLIMITED_SPACE,
      space_used: used,
      max_upload_size: this.ctx.policy.maxFileSize,
      status: 'active' as const,
      job_title: '',
      phone: '',
      address: '',
      avatar_url: '',
      notification_email: null,
      role: 'user' as const,
    };
    return select(full, parseFields(fields));
  }
}
