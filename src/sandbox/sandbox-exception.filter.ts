import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { newRequestId } from './sandbox-ids';
import { errorPage } from './sandbox-pages';
import { envelopeReply, htmlReply, jsonReply, SandboxReply, sendReply } from './sandbox-reply';
import { SandboxApiError, SandboxInputError, TikTokCode } from './sandbox.types';

interface Classified {
  status: number;
  message: string;
}

/**
 * The sandbox answers its own errors in its own formats, whatever global filter the host app has:
 * controller-level filters run before global ones.
 */
abstract class SandboxFilterBase implements ExceptionFilter {
  private readonly logger = new Logger('Sandbox');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const classified = this.classify(exception);
    if (res.headersSent) {
      res.end();
      return;
    }
    sendReply(res, this.render(exception, classified));
  }

  protected abstract render(exception: unknown, classified: Classified): SandboxReply;

  private classify(exception: unknown): Classified {
    if (exception instanceof SandboxApiError) return { status: exception.httpStatus, message: exception.message };
    if (exception instanceof SandboxInputError) return { status: exception.httpStatus, message: exception.message };
    if (exception instanceof HttpException) return { status: exception.getStatus(), message: exception.message };
    // Messages only: sandbox errors never carry secrets, but a stack trace of a request might.
    this.logger.error(`unexpected sandbox error: ${exception instanceof Error ? exception.message : String(exception)}`);
    return { status: 500, message: 'sandbox internal error' };
  }
}

/** TikTok envelope: 36009004 for bad requests, 36009003 for the sandbox's own failures. */
@Catch()
export class SandboxApiExceptionFilter extends SandboxFilterBase {
  protected render(exception: unknown, { status, message }: Classified): SandboxReply {
    const code =
      exception instanceof SandboxApiError ? exception.code : status >= 500 ? TikTokCode.InternalError : TikTokCode.InvalidRequest;
    const httpStatus = exception instanceof SandboxApiError || status >= 500 ? status : 200;
    return envelopeReply({ code, message, request_id: newRequestId(Date.now()), data: {} }, httpStatus);
  }
}

@Catch()
export class SandboxPageExceptionFilter extends SandboxFilterBase {
  protected render(_exception: unknown, { status, message }: Classified): SandboxReply {
    return htmlReply(errorPage(status, message), status);
  }
}

/**
 * Only the sandbox's own errors: the host's refusal of a caller (its guard's 401 or 403) goes on to the host's
 * filter and reads like every other refusal of the host.
 */
@Catch(SandboxInputError, SandboxApiError, HttpException)
export class SandboxControlExceptionFilter extends SandboxFilterBase {
  protected render(_exception: unknown, { status, message }: Classified): SandboxReply {
    return jsonReply({ error: message, status }, status);
  }
}
