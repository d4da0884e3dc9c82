// Slow clients cannot hold connections: a request whose body stops half way, and one whose headers never end, are
// answered 408 (or closed) once the request or headers timeout passes; an idle keep-alive connection is closed too.
// The timeouts are short here; the test waits for the server to close each connection, it does not time it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';

let gh: Gatehouse;
before(async () => {
  gh = await startGatehouse({ env: { GATEHOUSE_REQUEST_TIMEOUT_MS: '2000', GATEHOUSE_HEADERS_TIMEOUT_MS: '1000', GATEHOUSE_KEEP_ALIVE_TIMEOUT_MS: '1000' } });
});
after(() => gh.stop());

/** Opens a connection, writes `data`, and resolves with what the server sent once it closes the connection. */
function heldOpen(data: string): Promise<string> {
  const url = new URL(gh.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(data));
    let received = '';
    socket.setEncoding('utf8').on('data', (d: string) => (received += d));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    // A bound for the test itself (the defect kept connections for minutes): far above the timeouts under test.
    setTimeout(() => {
      socket.destroy();
      reject(new Error('the server kept the connection open'));
    }, 30_000).unref();
  });
}

test('five connections that sent their headers and half a body are closed with 408', async () => {
  const head = 'POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n';
  const replies = await Promise.all(Array.from({ length: 5 }, () => heldOpen(head + 'grant_type=password&username=slow')));
  for (const r of replies) assert.match(r, /^HTTP\/1\.1 408 /, r.slice(0, 80));
});

test('a connection whose headers never end is closed', async () => {
  const r = await heldOpen('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  assert.ok(r === '' || /^HTTP\/1\.1 408 /.test(r), r.slice(0, 80));
});

test('an idle keep-alive connection is closed after its response', async () => {
  const r = await heldOpen('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(r, /^HTTP\/1\.1 200 /);
});
