import { Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { NestPinoLogger } from './nest-logger';
import { chooseLogFormat, ensureRootLogger, LogSettings } from './root-logger';

export function logSettingsOf(config: AppConfig, stdoutIsTty = process.stdout.isTTY === true): LogSettings {
  return { level: config.log.level, file: config.log.file, format: chooseLogFormat(config.nodeEnv, config.log.file, stdoutIsTty) };
}

/** Nest's logger for this configuration: everything Nest and this code log goes through pino. */
export function appLogger(config: AppConfig): NestPinoLogger {
  return new NestPinoLogger(ensureRootLogger(logSettingsOf(config)));
}

/**
 * The same logger for the lines written before the application exists (the database start and wait), which
 * would otherwise go to Nest's default console logger, in colour whatever stdout is.
 */
export function installAppLogger(config: AppConfig): void {
  Logger.overrideLogger(appLogger(config));
}
