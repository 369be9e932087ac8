import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConfigError } from '../../config/config.error';
import { unknownStoredKeyIds } from './key-rotation';
import { TokenCipher } from './token-cipher';

/** Refuses to start when stored tokens use a key id that TOKEN_ENCRYPTION_KEYS no longer lists. */
@Injectable()
export class StoredKeysCheck implements OnApplicationBootstrap {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cipher: TokenCipher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const missing = await unknownStoredKeyIds(this.dataSource, this.cipher);
    if (missing.length > 0) {
      throw new ConfigError(
        'TOKEN_ENCRYPTION_KEYS',
        `stored tokens are encrypted with key id(s) ${missing.map((id) => `"${id}"`).join(', ')} that are not configured; keep them listed until npm run keys:rotate has finished`,
      );
    }
  }
}
