import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { InvalidationBus } from './invalidation-bus.service';
import { MigrationRunner } from './migration-runner';

/** The data source, the migrations run at start-up, and the LISTEN/NOTIFY channel every replica hears. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(entities: NonNullable<DataSourceOptions['entities']>): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => {
            if (!config.databaseUrl) throw new Error('DATABASE_URL must be resolved before the application starts');
            // main.ts has already waited for the server; a failure here should surface, not retry for 30 s.
            return { ...dataSourceOptions(config.databaseUrl, config.databasePoolSize, entities), retryAttempts: 2, retryDelay: 1000 };
          },
        }),
      ],
      providers: [MigrationRunner, InvalidationBus],
      exports: [InvalidationBus],
    };
  }
}
