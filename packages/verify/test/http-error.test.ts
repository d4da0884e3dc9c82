/** The one error shape (docs/http-surface.md "Errors") and the RFC 6750 challenge. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearerChallenge, errorBody, IssuerUnavailableError, redactUri, toHttpError, VerifyError } from '../src/index.ts';
import { expired, insufficientScope, invalid, revoked } from '../src/errors.ts';

test('errorBody has exactly the seven fields of the Dataloy seed', () => {
  const body = errorBody({
    status: 401, message: 'Token expired.', method: 'GET', date: new Date('2019-11-13T06:26:01.123Z'),
    uri: 'http://platform-dev.dataloy.com/ws/rest/Cargo?filter=subCargos.freight%28GTE%292500000',
  });
  assert.deepEqual(body, {
    statusCode: 401, statusText: 'Unauthorized', message: 'Token expired.', date: '2019-11-13T06:26:01',
    statusFamily: 'CLIENT_ERROR', method: 'GET', uri: 'http://platform-dev.dataloy.com/ws/rest/Cargo?filter=subCargos.freight%28GTE%292500000',
  });
  assert.deepEqual(Object.keys(body), ['statusCode', 'statusText', 'message', 'date', 'statusFamily', 'method', 'uri']);
  assert.match(errorBody({ status: 500, message: 'x', method: 'POST', uri: 'http://h/' }).date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  assert.equal(errorBody({ status: 503, message: 'x', method: 'GET', uri: 'http://h/' }).statusFamily, 'SERVER_ERROR');
  assert.equal(errorBody({ status: 403, message: 'x', method: 'GET', uri: 'http://h/' }).statusText, 'Forbidden');
});

test('secret-bearing query parameters are redacted, everything else kept byte for byte', () => {
  assert.equal(
    redactUri('http://h/api/v1/auth/token?username=me&password=s3cret&x=%28a%29&Token=abc&access_token=eyJ&refresh%5Ftoken=r&client_secret=c#frag'),
    'http://h/api/v1/auth/token?username=me&password=REDACTED&x=%28a%29&Token=REDACTED&access_token=REDACTED&refresh%5Ftoken=REDACTED&client_secret=REDACTED',
  );
  assert.equal(redactUri('http://h/p'), 'http://h/p');
  assert.equal(redactUri('http://h/p?password'), 'http://h/p?password=REDACTED');
  assert.equal(errorBody({ status: 400, message: 'm', method: 'GET', uri: 'http://h/?token=t' }).uri, 'http://h/?token=REDACTED');
});

test('every spelling an HTTP layer parses as a secret parameter is redacted: ; separators, encodings, brackets', () => {
  const cases: [string, string][] = [
    ['http://h/t?username=x;password=S', 'http://h/t?username=x;password=REDACTED'],
    ['http://h/t?a=1;token=S&b=2', 'http://h/t?a=1;token=REDACTED&b=2'],
    ['http://h/t?%70assword=S', 'http://h/t?%70assword=REDACTED'],
    ['http://h/t?PASSWORD=S', 'http://h/t?PASSWORD=REDACTED'],
    ['http://h/t?+password+=S', 'http://h/t?+password+=REDACTED'],
    ['http://h/t?password[]=S&password%5B0%5D=T', 'http://h/t?password[]=REDACTED&password%5B0%5D=REDACTED'],
    ['http://h/t?client_secret=S;;x=1', 'http://h/t?client_secret=REDACTED;;x=1'],
  ];
  for (const [uri, want] of cases) assert.equal(redactUri(uri), want, uri);
  for (const [uri] of cases) assert.ok(!/=[ST](?:[&;]|$)/.test(redactUri(uri)), uri);
});

test('bearerChallenge: invalid_token, insufficient_scope with scope, and no error code without credentials', () => {
  assert.deepEqual(bearerChallenge(expired()), {
    'WWW-Authenticate': 'Bearer error="invalid_token", error_description="Token expired."',
    'X-Auth-Reason': 'token_expired',
  });
  assert.deepEqual(bearerChallenge(revoked()), {
    'WWW-Authenticate': 'Bearer error="invalid_token", error_description="Token revoked."',
    'X-Auth-Reason': 'token_revoked',
  });
  assert.deepEqual(bearerChallenge(insufficientScope(['datasets:write'])), {
    'WWW-Authenticate': 'Bearer error="insufficient_scope", error_description="Insufficient scope: requires datasets:write.", scope="datasets:write"',
    'X-Auth-Reason': 'insufficient_scope',
  });
  assert.equal(bearerChallenge(invalid('token_missing', 'Authorization required.'))['WWW-Authenticate'], 'Bearer');
  const quoted = bearerChallenge(new VerifyError('token_invalid', 'a "quoted" \\ é\r\nthing', 'malformed_token'));
  assert.equal(quoted['WWW-Authenticate'], 'Bearer error="invalid_token", error_description="a quoted  thing"');
});

test('toHttpError: 401/403 with headers, 503 for an unreachable issuer, a bare 500 for anything else', () => {
  const request = { method: 'GET', uri: 'http://h/x?access_token=secret' };
  const e401 = toHttpError(expired(), request);
  assert.equal(e401.status, 401);
  assert.equal(e401.body.message, 'Token expired.');
  assert.equal(e401.body.uri, 'http://h/x?access_token=REDACTED');
  assert.equal(e401.headers['X-Auth-Reason'], 'token_expired');
  assert.equal(toHttpError(insufficientScope(['a']), request).status, 403);
  const e503 = toHttpError(new IssuerUnavailableError('JWKS at http://internal:9/ failed'), request);
  assert.deepEqual([e503.status, e503.body.message, e503.headers['WWW-Authenticate']], [503, 'Token issuer unavailable.', undefined]);
  const e500 = toHttpError(new Error('SELECT * FROM secrets'), request);
  assert.deepEqual([e500.status, e500.body.message], [500, 'Internal server error.']);
});
