import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { TokenEngine1764100000000 } from './1764100000000-token-engine';
import { Operations1764200000000 } from './1764200000000-operations';
import { ExpiryAnnouncements1764250000000 } from './1764250000000-expiry-announcements';
import { ScaleIndexes1764300000000 } from './1764300000000-scale-indexes';
import { AuthStatusPaging1764400000000 } from './1764400000000-auth-status-paging';
import { RefreshClaimStamps1764520000000 } from './1764520000000-refresh-claim-stamps';
import { AuditEvents1764530000000 } from './1764530000000-audit-events';
import { Tenants1764600000000 } from './1764600000000-tenants';
import { SeveralApps1764700000000 } from './1764700000000-several-apps';

/** Every migration, in order. Listed explicitly so the same list works from ts (tests) and dist (runtime). */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  TokenEngine1764100000000,
  Operations1764200000000,
  ExpiryAnnouncements1764250000000,
  ScaleIndexes1764300000000,
  AuthStatusPaging1764400000000,
  RefreshClaimStamps1764520000000,
  AuditEvents1764530000000,
  Tenants1764600000000,
  SeveralApps1764700000000,
];
