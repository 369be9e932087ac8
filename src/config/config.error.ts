export interface ConfigProblem {
  variable: string;
  detail: string;
}

/**
 * Configuration problems found at start-up, one per variable; the message has one line per problem, each
 * naming its variable. Reporting them all at once spares an operator one restart per mistake.
 */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(variable: string, detail: string, ...more: ConfigProblem[]) {
    const problems = [{ variable, detail }, ...more];
    super(problems.map((problem) => `${problem.variable}: ${problem.detail}`).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }

  /** The first variable named (the only one for most errors). */
  get variable(): string {
    return this.problems[0].variable;
  }

  /** What a process prints before it exits: `configuration error: NAME: detail`, one line per problem. */
  lines(): string[] {
    return this.problems.map((problem) => `configuration error: ${problem.variable}: ${problem.detail}`);
  }
}

/** Collects problems while the configuration is resolved; at most one per variable, the first one found. */
export class ConfigProblems {
  private readonly found: ConfigProblem[] = [];

  add(variable: string, detail: string): void {
    if (!this.has(variable)) this.found.push({ variable, detail });
  }

  has(variable: string): boolean {
    return this.found.some((problem) => problem.variable === variable);
  }

  /** Runs `resolve`, recording the ConfigError it throws instead; `fallback` stands in for its result. */
  capture<T>(resolve: () => T, fallback: T): T {
    try {
      return resolve();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const problem of error.problems) this.add(problem.variable, problem.detail);
      return fallback;
    }
  }

  throwIfAny(): void {
    const [first, ...rest] = this.found;
    if (first) throw new ConfigError(first.variable, first.detail, ...rest);
  }
}
