import type { IncomingMessage } from 'node:http';
import pino, { DestinationStream, Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { contextOf } from '../http/request-context';

export type LogFormat = 'json' | 'pretty';

export interface LogSettings {
  level: string;
  /** Append JSON lines to this file instead of writing to stdout. */
  file: string | null;
  format: LogFormat;
}

/**
 * Human-readable lines only for a person watching: development, on stdout, and stdout a terminal. A file, a
 * pipe (a container runtime, `| tee`) or production gets JSON lines, never colour codes.
 */
export function chooseLogFormat(nodeEnv: string, file: string | null, stdoutIsTty: boolean): LogFormat {
  return nodeEnv === 'development' && !file && stdoutIsTty ? 'pretty' : 'json';
}

/**
 * A connect link's token, whatever the spelling of the path around it (it names a consent anyone could start):
 * everything after `connect/`, so `/connect//<token>` or `/connect/x/<token>` hides it too.
 */
const CONNECT_TOKEN_SEGMENT = /(^|\/)(connect)\/.*/i;

/** The path as logs and error messages may show it: a connect link's token becomes `[redacted]`. */
export function redactedPath(path: string): string {
  return path.replace(CONNECT_TOKEN_SEGMENT, '$1$2/[redacted]');
}

/** The path only: query strings carry OAuth codes and states, and TikTok-style secrets; connect tokens redacted. */
export function pathOnly(url: string | undefined): string {
  return redactedPath((url ?? '').split('?')[0]);
}

type RequestLike = { id?: unknown; method?: string; url?: string };

/** A request in a log line: id, method and path; never the query string, headers or body. */
function serializeRequest(request: RequestLike): Record<string, unknown> {
  return {
    id: request.id ?? contextOf(request as IncomingMessage)?.id,
    method: request.method,
    path: pathOnly(request.url),
  };
}

/** One line per entry, time first, the Nest context in brackets, the access-line fields after the message. */
const PRETTY_MESSAGE =
  '{if context}[{context}] {end}{msg}{if req.method} {req.method} {req.path}{end}' +
  '{if res.statusCode} {res.statusCode}{end}{if responseTime} {responseTime} ms{end}{if req.id} ({req.id}){end}';

function destination(settings: LogSettings, out?: NodeJS.WritableStream): DestinationStream | undefined {
  if (settings.file) return pino.destination({ dest: settings.file, sync: true, mkdir: true });
  if (settings.format === 'pretty') {
    return pinoPretty({
      destination: out,
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,context,req,res,responseTime',
      messageFormat: PRETTY_MESSAGE,
      singleLine: true,
    });
  }
  return out;
}

/** `out`: where lines go instead of stdout when there is no file (tests). */
export function createRootLogger(settings: LogSettings, out?: NodeJS.WritableStream): Logger {
  const options: pino.LoggerOptions = {
    level: settings.level,
    serializers: {
      req: serializeRequest,
      res: (response: { statusCode?: number }) => ({ statusCode: response.statusCode }),
      err: pino.stdSerializers.err,
    },
    redact: { paths: ['req.headers', 'res.headers', 'headers', 'authorization', 'cookie'], censor: '[redacted]' },
  };
  const stream = destination(settings, out);
  return stream ? pino(options, stream) : pino(options);
}

let root: Logger | undefined;

/**
 * The process's logger. The first application of a process sets it up and every later one (tests run several
 * instances in one process) shares it, so their lines go to one place.
 */
export function ensureRootLogger(settings: LogSettings): Logger {
  root ??= createRootLogger(settings);
  return root;
}

export function rootLogger(): Logger | undefined {
  return root;
}
