import { Module } from '@nestjs/common';
import { ConnectSessionsRepository } from './connect-sessions.repository';
import { TenantsRepository } from './tenants.repository';

/** Tenants and their connect sessions: the tables and the rules every module that touches them shares. */
@Module({
  providers: [TenantsRepository, ConnectSessionsRepository],
  exports: [TenantsRepository, ConnectSessionsRepository],
})
export class TenantsModule {}
