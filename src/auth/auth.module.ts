import { Module } from '@nestjs/common';
import { ShopsModule } from '../shops/shops.module';
import { TiktokModule } from '../tiktok/tiktok.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { OAuthStateService } from './oauth-state.service';
import { OAuthStatesRepository } from './oauth-states.repository';

@Module({
  imports: [ShopsModule, TiktokModule],
  controllers: [AuthController],
  providers: [AuthService, OAuthStateService, OAuthStatesRepository],
})
export class AuthModule {}
