// The server key: from GATEHOUSE_SECRET_KEY, or generated once into the data dir. Sub-keys are derived with HKDF
// so the key that encrypts signing keys is never the key that hashes secrets.
import fs from 'node:fs';
import path from 'node:path';
import { hkdfSync, randomBytes } from 'node:crypto';

export interface ServerKeys {
  /** AES-256-GCM key for private signing keys at rest. */
  readonly encryption: Buffer;
  /** HMAC-SHA-256 key for bot secrets, refresh tokens and other generated secrets. */
  readonly hashing: Buffer;
  /** True when the key was generated into the data dir on this start. */
  readonly generated: boolean;
}

function decode(raw: string): Buffer {
  const s = raw.trim();
  const buf = /^[0-9a-fA-F]{64}$/.test(s) ? Buffer.from(s, 'hex') : Buffer.from(s, 'base64url');
  if (buf.length !== 32) throw new Error('GATEHOUSE_SECRET_KEY must be 32 bytes, as 64 hex digits or 43 base64url characters');
  return buf;
}

export function loadServerKeys(secretKey: string | undefined, dataDir: string): ServerKeys {
  let master: Buffer;
  let generated = false;
  if (secretKey) {
    master = decode(secretKey);
  } else {
    const file = path.join(dataDir, 'secret.key');
    if (fs.existsSync(file)) {
      master = decode(fs.readFileSync(file, 'utf8'));
    } else {
      fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      master = randomBytes(32);
      fs.writeFileSync(file, master.toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
      generated = true;
    }
  }
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
  return { encryption: derive('gatehouse signing-key encryption v1'), hashing: derive('gatehouse secret hashing v1'), generated };
}
