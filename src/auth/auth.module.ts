import { Module } from '@nestjs/common';
import { ShopsModule } from '../shops/shops.module';
import { TiktokModule } from '../tiktok/tiktok.module';
import { AuthCookies } from './auth-cookies';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { OAuthStateService } from './oauth-state.service';
import { OAuthStatesRepository } from './oauth-states.repository';
import { PagesController } from './pages.controller';
import { PagesService } from './pages.service';

@Module({
  imports: [ShopsModule, TiktokModule],
  controllers: [PagesController, AuthController],
  providers: [AuthService, AuthCookies, OAuthStateService, OAuthStatesRepository, PagesService],
  exports: [OAuthStatesRepository],
})
export class AuthModule {}
