import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LockIds, withSessionLock } from './advisory-lock';

/** Brings the schema up to date before anything else touches the database; replicas take turns. */
@Injectable()
export class MigrationRunner implements OnModuleInit {
  private readonly logger = new Logger(MigrationRunner.name);

  constructor(private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    const applied = await runMigrations(this.dataSource);
    if (applied.length > 0) this.logger.log(`applied migrations: ${applied.join(', ')}`);
  }
}

export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  return withSessionLock(dataSource, LockIds.migrations, async () => {
    const migrations = await dataSource.runMigrations({ transaction: 'each' });
    return migrations.map((migration) => migration.name);
  });
}
