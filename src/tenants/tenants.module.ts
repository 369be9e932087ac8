import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ConnectSessionsRepository } from './connect-sessions.repository';
import { TenantsRepository } from './tenants.repository';
import { TenantsService } from './tenants.service';

/** Tenants and their connect sessions: the tables and the rules every module that touches them shares. */
@Module({
  imports: [AuditModule],
  providers: [TenantsRepository, ConnectSessionsRepository, TenantsService],
  exports: [TenantsRepository, ConnectSessionsRepository, TenantsService],
})
export class TenantsModule {}
