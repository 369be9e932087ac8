import { Module } from '@nestjs/common';
import { ShopsModule } from '../shops/shops.module';
import { TiktokModule } from '../tiktok/tiktok.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { OAuthStateService } from './oauth-state.service';

@Module({
  imports: [ShopsModule, TiktokModule],
  controllers: [AuthController],
  providers: [AuthService, OAuthStateService],
})
export class AuthModule {}
