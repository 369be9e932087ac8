import { ApiKey } from './access/entities/api-key.entity';
import { AuditEvent } from './audit/entities/audit-event.entity';
import { OAuthState } from './auth/entities/oauth-state.entity';
import { AuthorizationEvent } from './shops/entities/authorization-event.entity';
import { SellerAuthorization } from './shops/entities/seller-authorization.entity';
import { Shop } from './shops/entities/shop.entity';
import { Notification } from './notifications/entities/notification.entity';
import { ConnectSession } from './tenants/entities/connect-session.entity';
import { Tenant } from './tenants/entities/tenant.entity';
import { WebhookDelivery } from './webhooks/entities/webhook-delivery.entity';

export const ENTITIES = [
  SellerAuthorization,
  Shop,
  OAuthState,
  AuthorizationEvent,
  ApiKey,
  WebhookDelivery,
  Notification,
  AuditEvent,
  Tenant,
  ConnectSession,
];
