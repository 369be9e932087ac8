import type { AppConfig } from './app-config';
import type { ConfigProblems } from './config.error';
import type { EnvironmentVariables } from './environment';

/** What every section of the configuration reads: the validated variables, the environment, where problems go. */
export interface SectionContext {
  env: EnvironmentVariables;
  /** The environment as given, for the per-app variables whose names depend on TIKTOK_APPS (tiktok-apps-config.ts). */
  source: NodeJS.ProcessEnv;
  nodeEnv: AppConfig['nodeEnv'];
  problems: ConfigProblems;
}
