import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { MigrationRunner } from './migration-runner';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        if (!config.databaseUrl) throw new Error('DATABASE_URL must be resolved before the application starts');
        // main.ts has already waited for the server; a failure here should surface, not retry for 30 s.
        return { ...dataSourceOptions(config.databaseUrl, config.databasePoolSize), retryAttempts: 2, retryDelay: 1000 };
      },
    }),
  ],
  providers: [MigrationRunner],
})
export class DatabaseModule {}
