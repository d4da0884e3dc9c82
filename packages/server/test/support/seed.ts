// Seeded randomness for randomized tests: every run draws a seed (or takes GATEHOUSE_TEST_SEED), and a failure
// names it, so the run can be replayed exactly: GATEHOUSE_TEST_SEED=<seed> npx node --test <file>.
import { Rng } from '../../fuzz/rng.ts';

export { Rng };

export function testSeed(): number {
  const fixed = process.env.GATEHOUSE_TEST_SEED;
  if (fixed !== undefined && fixed !== '') return Number(fixed) >>> 0;
  return Math.floor(Math.random() * 2 ** 31); // the one unseeded draw: the seed itself, printed on failure
}

/** Runs `body` with a seeded Rng; a failure's message ends with the seed that replays it. */
export async function withSeed<T>(body: (rng: Rng, seed: number) => Promise<T>, seed = testSeed()): Promise<T> {
  try {
    return await body(new Rng(seed), seed);
  } catch (err) {
    const hint = `(random seed ${seed}: replay with GATEHOUSE_TEST_SEED=${seed})`;
    if (err instanceof Error) {
      err.message = `${err.message} ${hint}`;
      throw err;
    }
    throw new Error(`${String(err)} ${hint}`, { cause: err });
  }
}
