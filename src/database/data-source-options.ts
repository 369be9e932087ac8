import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations';

/**
 * The entities come from the caller (src/entities.ts lists them): each belongs to the feature module that owns
 * its table, above this one.
 */
export function dataSourceOptions(url: string, poolSize: number, entities: NonNullable<DataSourceOptions['entities']>): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    // TypeORM's own logger prints failed SQL with its parameters (ciphertexts, seller data): never.
    logging: false,
    extra: { max: poolSize, connectionTimeoutMillis: 5000 },
  };
}
