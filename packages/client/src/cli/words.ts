const units: Array<[string, number]> = [
  ['year', 365 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** A duration in words, rounded down to its largest unit: 86,399 s → "23 hours". */
export function durationInWords(ms: number): string {
  const abs = Math.abs(ms);
  for (const [unit, size] of units) {
    const count = Math.floor(abs / size);
    if (count >= 1) return `${count} ${unit}${count === 1 ? '' : 's'}`;
  }
  return 'less than a second';
}

/** "expires in 23 hours" / "expired 5 minutes ago". */
export function expiryInWords(expiresAtMs: number, now: number = Date.now()): string {
  const delta = expiresAtMs - now;
  return delta > 0 ? `expires in ${durationInWords(delta)}` : `expired ${durationInWords(delta)} ago`;
}

/** "5 minutes ago" / "in 2 hours". */
export function relativeInWords(atMs: number, now: number = Date.now()): string {
  const delta = atMs - now;
  return delta > 0 ? `in ${durationInWords(delta)}` : `${durationInWords(delta)} ago`;
}
