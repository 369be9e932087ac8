/** `Name: message` of an error, for log lines (never logged with its stack or cause chain). */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
