import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { loadOrCreateDevelopmentKey } from './development-key';
import { TokenCipher } from './token-cipher';

@Global()
@Module({
  providers: [
    {
      provide: TokenCipher,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new TokenCipher(config.encryptionKeys ?? loadOrCreateDevelopmentKey(config.dataDir)),
    },
  ],
  exports: [TokenCipher],
})
export class CryptoModule {}
