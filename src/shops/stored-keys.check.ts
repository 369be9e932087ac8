import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigError } from '../config/config.error';
import { unknownStoredKeyIds } from './key-rotation';
import { TokenCipher } from '../common/crypto/token-cipher';
import { StoredTokensRepository } from './stored-tokens.repository';

/** Refuses to start when stored tokens use a key id that TOKEN_ENCRYPTION_KEYS no longer lists. */
@Injectable()
export class StoredKeysCheck implements OnApplicationBootstrap {
  constructor(
    private readonly tokens: StoredTokensRepository,
    private readonly cipher: TokenCipher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const missing = await unknownStoredKeyIds(this.tokens, this.cipher);
    if (missing.length > 0) {
      throw new ConfigError(
        'TOKEN_ENCRYPTION_KEYS',
        `stored tokens are encrypted with key id(s) ${missing.map((id) => `"${id}"`).join(', ')} that are not configured; keep them listed until npm run keys:rotate has finished`,
      );
    }
  }
}
