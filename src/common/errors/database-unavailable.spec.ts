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
    ['a file of the data folder gone (58P01)', withCode('could not open file "base/16384/16385": No such file or directory', '58P01')],
    ['a directory of the data folder gone (58P01 on a new connection)', withCode('could not open file "global/pg_filenode.map"', '58P01')],
    ['an I/O error (58030)', withCode('could not read block 0 in file "base/16384/16385": Input/output error', '58030')],
    ['corrupted data (XX001)', withCode('invalid page in block 0 of relation base/16384/16385', 'XX001')],
    ['an internal error (XX000)', withCode('cache lookup failed for relation 16385', 'XX000')],
    ['a full disk (53100)', withCode('could not extend file "base/16384/16385": No space left on device', '53100')],
    ['too many connections (53300)', withCode('sorry, too many clients already', '53300')],
    ['a connection failure (08006)', withCode('connection failure', '08006')],
    ['a server that cannot accept connections (08004)', withCode('the server rejected the connection', '08004')],
    ['a dropped database (57P04)', withCode('terminating connection because the database was dropped', '57P04')],
    ['a database that no longer exists (3D000)', withCode('database "tts" does not exist', '3D000')],
    [
      'the SQLSTATE on the driver error only (as TypeORM wraps it)',
      Object.assign(new Error('could not open file'), { driverError: { code: '58P01', message: 'could not open file' } }),
    ],
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
    ['a missing table (42P01)', withCode('relation "shops" does not exist', '42P01')],
    ['a missing privilege (42501)', withCode('permission denied for table shops', '42501')],
    ['a code that only starts like a class', withCode('x', '5800')],
    ['a message that only mentions a refusal', new Error('upstream said: connect ECONNREFUSED')],
    ['anything else', new TypeError('x is undefined')],
  ])('not %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
