import { runInNewContext } from 'node:vm';
import { isDatabaseUnavailable } from './all-exceptions.filter';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable (503, not 500)', () => {
  it.each([
    ['a refused connection with its code', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a refused connection without a code (as pg-pool reports it)', new Error('connect ECONNREFUSED 127.0.0.1:5432')],
    ['a connect() to several addresses', new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], '')],
    ['the server shutting down (57P01)', withCode('terminating connection due to administrator command', '57P01')],
    ['a pool that waited too long', new Error('timeout exceeded when trying to connect')],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['a starting server', new Error('the database system is starting up')],
    [
      'an error from another realm (made by Node itself, under Jest)',
      Object.assign(runInNewContext('new Error("connect ECONNREFUSED 127.0.0.1:5432")') as Error, { code: 'ECONNREFUSED' }),
    ],
  ])('%s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a bad query', withCode('syntax error at or near "x"', '42601')],
    ['a constraint', withCode('duplicate key value violates unique constraint', '23505')],
    ['a message that only mentions a refusal', new Error('upstream said: connect ECONNREFUSED')],
    ['anything else', new TypeError('x is undefined')],
  ])('not %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
