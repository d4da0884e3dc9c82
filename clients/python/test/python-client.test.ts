// The Python client (clients/python, package `gatehouse`) against a real Gatehouse: starts one, runs the
// standard-library unittest suite in clients/python/tests with Debian's /usr/bin/python3 (which has python3-requests
// and python3-httpx; .ci/run installs them on a fresh machine), and fails when any Python test fails.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Gatehouse, startGatehouse } from '../../../packages/server/test/support/harness.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PYTHON = process.env.GATEHOUSE_TEST_PYTHON ?? '/usr/bin/python3';

function pythonSkipReason(): string | false {
  const probe = spawnSync(PYTHON, ['-c', 'import requests, httpx'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} is not installed (apt-get install python3 python3-requests python3-httpx)`;
  if (probe.status !== 0) return `${PYTHON} lacks requests or httpx (apt-get install python3-requests python3-httpx)`;
  return false;
}

const skip = pythonSkipReason();
if (skip) console.warn(`\n*** Python client tests: SKIPPED: ${skip} ***\n`);

describe('the Python client', { skip }, () => {
  let gh: Gatehouse;
  before(async () => (gh = await startGatehouse()));
  after(() => gh.stop());

  test('its unittest suite passes against a real Gatehouse', async () => {
    const child = spawn(PYTHON, ['-W', 'ignore::ResourceWarning', '-m', 'unittest', 'discover', '-s', 'tests', '-t', 'tests', '-v'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        PYTHONPATH: ROOT,
        PYTHONDONTWRITEBYTECODE: '1',
        GATEHOUSE_TEST_URL: gh.url,
        GATEHOUSE_TEST_ADMIN_EMAIL: gh.admin.email,
        GATEHOUSE_TEST_ADMIN_PASSWORD: gh.admin.password,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    console.log(output);
    assert.equal(code, 0, `the Python suite failed:\n${output}`);
    assert.match(output, /^OK/m);
  });
});
