import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode } from '../errors/app-error';

/** What Node's HTTP parser refuses before any handler runs, as the service's own answer. */
function answerFor(error: NodeJS.ErrnoException): { status: number; error: ErrorCode; message: string } {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, error: ErrorCode.RequestTimeout, message: 'the request headers and body did not arrive in time' };
  }
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return { status: 431, error: ErrorCode.HeadersTooLarge, message: 'the request headers are too large' };
  }
  return { status: 400, error: ErrorCode.InvalidRequest, message: 'the request is not valid HTTP/1.1' };
}

/**
 * Whether the refused request is a HEAD, whose answer must have no body (the client would read one as the next
 * answer): from the request the parser had begun, or from the bytes it refused; undefined when neither says.
 */
function isHead(error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: object): boolean | undefined {
  const method = (socket as { parser?: { incoming?: { method?: string } } }).parser?.incoming?.method;
  if (method) return method === 'HEAD';
  const start = /^([A-Z]+) /.exec(error.rawPacket?.subarray(0, 16).toString('latin1') ?? '');
  return start ? start[1] === 'HEAD' : undefined;
}

/**
 * The server's `clientError` listener: Node's own answers to a malformed, oversized or too slow request are a
 * bare status line; these carry a JSON body with an `error` code like every other refusal. As Node does, it
 * answers only when nothing was written on the connection yet, and then closes it.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex & { bytesWritten?: number }): void {
  if (error.code === 'ECONNRESET' || !socket.writable || (socket.bytesWritten ?? 0) > 0) {
    socket.destroy();
    return;
  }
  const answer = answerFor(error);
  // When the method is unknown (the refused bytes are not the request's first), a parser error's answer goes
  // without a body rather than risk one after a HEAD; a request that ran out of time is past its first bytes.
  const head = isHead(error, socket);
  const withBody = head === false || (head === undefined && error.code === 'ERR_HTTP_REQUEST_TIMEOUT');
  const body = withBody ? JSON.stringify({ statusCode: answer.status, error: answer.error, message: answer.message }) : '';
  socket.end(
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\n` +
      (withBody ? 'Content-Type: application/json; charset=utf-8\r\n' : '') +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n' +
      body,
  );
}
