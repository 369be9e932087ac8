import { Module } from '@nestjs/common';
import { ShopsModule } from '../shops/shops.module';
import { TenantsModule } from '../tenants/tenants.module';
import { TiktokModule } from '../tiktok/tiktok.module';
import { AuthCookies } from './auth-cookies';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { ConnectSessionsController } from './connect-sessions.controller';
import { ConnectSessionsService } from './connect-sessions.service';
import { OAuthStateService } from './oauth-state.service';
import { OAuthStatesRepository } from './oauth-states.repository';
import { PagesController } from './pages.controller';
import { PagesService } from './pages.service';

@Module({
  imports: [ShopsModule, TiktokModule, TenantsModule],
  controllers: [PagesController, AuthController, ConnectSessionsController],
  providers: [AuthService, AuthCookies, OAuthStateService, OAuthStatesRepository, PagesService, ConnectSessionsService],
  exports: [OAuthStatesRepository],
})
export class AuthModule {}
