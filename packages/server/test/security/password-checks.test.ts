// The password-check gate alone: bounds per address and overall, and turns served round-robin by address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PasswordCheckGate } from '../../src/security/password-checks.ts';
import { loadConfig } from '../../src/config.ts';

const config = { passwordCheckConcurrency: 1, passwordCheckQueue: 4, passwordCheckPerAddress: 3, passwordCheckMaxWaitMs: 600_000 };

test('defaults: 2 checks at once, 32 waiting, 4 per address, 1 s longest wait', () => {
  const c = loadConfig([], {});
  assert.deepEqual([c.passwordCheckConcurrency, c.passwordCheckQueue, c.passwordCheckPerAddress, c.passwordCheckMaxWaitMs], [2, 32, 4, 1000]);
});

test('waiting checks are served round-robin by address, not first come first served', async () => {
  const gate = new PasswordCheckGate(config);
  const order: string[] = [];
  const first = await gate.admit('10.0.0.1');
  assert.ok(first.allowed);
  const waits = [['a2', '10.0.0.1'], ['a3', '10.0.0.1'], ['b1', '10.0.0.2']].map(([name, ip]) =>
    gate.admit(ip).then((p) => {
      order.push(name!);
      return p;
    }),
  );
  assert.deepEqual(gate.load, { running: 1, waiting: 3 });
  let current: Awaited<ReturnType<PasswordCheckGate["admit"]>> = first;
  for (let i = 0; i < 3; i++) {
    if (current.allowed) current.release();
    await new Promise((r) => setImmediate(r));
    current = await waits[['a2', 'a3', 'b1'].indexOf(order[i]!)]!;
  }
  assert.deepEqual(order, ['a2', 'b1', 'a3'], 'after one turn of 10.0.0.1, 10.0.0.2 goes before its second');
});

test('past its bound an address is refused (429), past the queue everyone is (503), at once', async () => {
  const gate = new PasswordCheckGate(config);
  const held = await Promise.all([gate.admit('10.0.0.1')]);
  void gate.admit('10.0.0.1');
  void gate.admit('10.0.0.1');
  assert.deepEqual(await gate.admit('10.0.0.1'), { allowed: false, reason: 'address', retryAfter: 1 });
  void gate.admit('10.0.0.2');
  void gate.admit('10.0.0.3');
  assert.deepEqual(await gate.admit('10.0.0.4'), { allowed: false, reason: 'overload', retryAfter: 1 });
  assert.ok(held[0]!.allowed);
});

test('a check that waited its longest is refused with 503 and leaves the queue', async () => {
  const gate = new PasswordCheckGate({ ...config, passwordCheckMaxWaitMs: 1 });
  const running = await gate.admit('10.0.0.1');
  assert.deepEqual(await gate.admit('10.0.0.2'), { allowed: false, reason: 'overload', retryAfter: 1 });
  assert.deepEqual(gate.load, { running: 1, waiting: 0 });
  if (running.allowed) running.release();
  assert.deepEqual(gate.load, { running: 0, waiting: 0 });
});
