import { DEVELOPMENT_ADMIN_KEY_FILE } from '../common/crypto/development-file';
import { AppConfig } from '../config/app-config';
import { loadOrCreateDevelopmentSecret } from './api-key-secrets';

/** The admin key and the HMAC secret for service keys, from the environment or (development) DATA_DIR. */
export class AccessSecrets {
  constructor(
    readonly adminApiKey: string,
    readonly hmacSecret: string,
  ) {}

  static fromConfig(config: AppConfig): AccessSecrets {
    return new AccessSecrets(
      config.adminApiKey ?? loadOrCreateDevelopmentSecret(config.dataDir, DEVELOPMENT_ADMIN_KEY_FILE, 'ADMIN_API_KEY'),
      config.apiKeyHmacSecret ?? loadOrCreateDevelopmentSecret(config.dataDir, 'development-api-key-hmac-secret', 'API_KEY_HMAC_SECRET'),
    );
  }
}
