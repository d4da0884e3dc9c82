// An identifier that names no account is recorded as a keyed tag behind a non-secret prefix, never as typed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SecretHasher } from '../../src/crypto/secrets.ts';
import { auditIdentifier, unknownIdentifier } from '../../src/security/audit-identifiers.ts';

const hasher = new SecretHasher(Buffer.alloc(32, 3));

test('a password, a bot secret, a refresh token or a JWT typed as an identifier leaves nothing of itself', () => {
  const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
  const cases: [string, RegExp][] = [
    ['correct horse battery staple', /^unknown:#[A-Za-z0-9_-]{10}$/],
    ['ghb_kbFyAK6znlHWYklG7e7GRs2sWQvyi7f3hHZQGoCsFsw', /^unknown:ghb_#[A-Za-z0-9_-]{10}$/],
    ['GHR_abcdefabcdefabcdef', /^unknown:ghr_#[A-Za-z0-9_-]{10}$/],
    [jwt, /^unknown:eyJ#[A-Za-z0-9_-]{10}$/],
    ['nobody@example.com', /^unknown:@example\.com#[A-Za-z0-9_-]{10}$/],
    ['ghb_secret@evil.example', /^unknown:ghb_#/],
  ];
  for (const [raw, shape] of cases) {
    const recorded = unknownIdentifier(hasher, raw);
    assert.match(recorded, shape, raw);
    assert.ok(!recorded.includes(raw.slice(4, 12)), `${recorded} keeps part of ${raw}`);
    assert.ok(!/gh[a-z]_[A-Za-z0-9_-]{8,}/i.test(recorded) && !/eyJ[A-Za-z0-9_-]+\./.test(recorded), `${recorded} is shaped like a secret`);
  }
  assert.equal(unknownIdentifier(hasher, 'same typo'), unknownIdentifier(hasher, 'same typo'), 'the same value recurs as the same tag');
  assert.notEqual(unknownIdentifier(hasher, 'typo one'), unknownIdentifier(hasher, 'typo two'));
  assert.notEqual(unknownIdentifier(new SecretHasher(Buffer.alloc(32, 4)), 'same typo'), unknownIdentifier(hasher, 'same typo'), 'keyed by the server');
});

test('a known account is recorded by its name', () => {
  assert.equal(auditIdentifier(hasher, 'ann@example.com', true), 'ann@example.com');
  assert.match(auditIdentifier(hasher, 'ann@example.com', false), /^unknown:@example\.com#/);
});
