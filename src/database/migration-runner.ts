import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource, MigrationExecutor } from 'typeorm';
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
  return withSessionLock(dataSource, LockIds.migrations, async (runner) => {
    // On the connection that holds the lock: works with a pool of one and cannot outlive the lock.
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    const migrations = await executor.executePendingMigrations();
    return migrations.map((migration) => migration.name);
  });
}
