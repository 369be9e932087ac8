import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedEvent {
  id: string;
  type: string;
  occurred_at: string;
  data: Record<string, unknown>;
}

/** A NOTIFY_WEBHOOK_URL receiver on 127.0.0.1 that keeps every event delivered to it. */
export interface NotifyReceiver {
  url: string;
  events: ReceivedEvent[];
  /** The events of `type`, in delivery order. */
  ofType(type: string): ReceivedEvent[];
  close(): Promise<void>;
}

export async function startNotifyReceiver(): Promise<NotifyReceiver> {
  const events: ReceivedEvent[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      events.push(JSON.parse(body) as ReceivedEvent);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    events,
    ofType: (type) => events.filter((event) => event.type === type),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The environment of an instance that notifies `receiver`, polling its outbox often. */
export function notifyEnv(receiver: NotifyReceiver): NodeJS.ProcessEnv {
  return {
    NOTIFY_WEBHOOK_URL: receiver.url,
    NOTIFY_WEBHOOK_SECRET: 'notify-secret-for-connect-tests-0123456789',
    NOTIFY_POLL_MS: '50',
  };
}
