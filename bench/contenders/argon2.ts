/**
 * The raw cost of a password login: argon2id with Gatehouse's parameters (OWASP: 19 MiB, 2 passes, 1 lane,
 * 32-byte tag) through node:crypto, `concurrency` derivations in flight, as the token endpoint would have.
 *   node bench/contenders/argon2.ts <seconds> <concurrency>   → prints {"rate": logins per second}
 */
import { argon2, randomBytes } from 'node:crypto';

const [seconds = 3, concurrency = 8] = process.argv.slice(2).map(Number);
const nonce = randomBytes(16);
const derive = () =>
  new Promise<void>((resolve, reject) =>
    argon2('argon2id', { message: 'bench-user-password-1', nonce, memory: 19456, passes: 2, parallelism: 1, tagLength: 32 }, (err) => (err ? reject(err) : resolve())),
  );

async function run(ms: number): Promise<number> {
  let done = 0;
  const deadline = performance.now() + ms;
  const worker = async () => {
    while (performance.now() < deadline) {
      await derive();
      done++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (done * 1000) / (performance.now() - t0);
}

await run(1000); // warm-up
console.log(JSON.stringify({ rate: await run(seconds * 1000) }));
