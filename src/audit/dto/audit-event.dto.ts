import { ApiProperty } from '@nestjs/swagger';
import { AUDIT_ACTIONS, AuditAction } from '../entities/audit-event.entity';

export class AuditEventView {
  @ApiProperty({ description: 'grows with every event' })
  id!: string;

  @ApiProperty({ description: 'the acting key: `admin` for the admin key (ADMIN_API_KEY has no id), else the API key id' })
  actor_key_id!: string;

  @ApiProperty({ enum: AUDIT_ACTIONS })
  action!: AuditAction;

  @ApiProperty({ description: 'the API key id or shop id acted on' })
  target_id!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'what changed; never a key, token or secret' })
  detail!: Record<string, unknown>;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;
}

export class AuditEventListResponse {
  @ApiProperty({ type: [AuditEventView], description: 'newest first' })
  events!: AuditEventView[];

  @ApiProperty({ type: 'integer' })
  page!: number;

  @ApiProperty({ type: 'integer' })
  limit!: number;
}
