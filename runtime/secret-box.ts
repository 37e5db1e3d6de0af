// AES-256-GCM for secrets at rest (connection credentials) and in Temporal payloads. Every
// ciphertext names the key that sealed it, so keys rotate: add a new key first in the list,
// and old ciphertexts still open with the key they name.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Keyring {
  activeKeyId: string;
  keys: Map<string, Buffer>;
}

/** Parses `keyId:base64key,keyId2:base64key2`; the first key seals, all of them open. */
export function parseKeyring(spec: string): Keyring {
  const keys = new Map<string, Buffer>();
  let activeKeyId = '';
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const i = part.indexOf(':');
    if (i < 1) throw new Error('keyring entries are keyId:base64key');
    const id = part.slice(0, i);
    const key = Buffer.from(part.slice(i + 1), 'base64');
    if (key.length !== 32) throw new Error(`key ${id} must be 32 bytes (AES-256)`);
    keys.set(id, key);
    activeKeyId ||= id;
  }
  if (!activeKeyId) throw new Error('empty keyring');
  return { activeKeyId, keys };
}

export function newKeySpec(id = `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/**
 * The keyring from the environment variable, or (development only) one generated once and kept
 * in .data/keys.json so a restart can still read what it wrote. Production must set the variable.
 */
export function keyringFromEnv(
  variable: string,
  spec: string | undefined,
  dataDir: string,
  nodeEnv: string,
): Keyring {
  if (spec) return parseKeyring(spec);
  if (nodeEnv === 'production') throw new Error(`${variable} must be set in production`);
  const file = join(dataDir, 'keys.json');
  const stored: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  if (!stored[variable]) {
    stored[variable] = newKeySpec('dev1');
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  return parseKeyring(stored[variable]);
}

export interface Sealed {
  keyId: string;
  /** base64url(iv | tag | ciphertext) */
  box: string;
}

export function seal(keyring: Keyring, plaintext: Buffer, aad?: Buffer): Sealed {
  const key = keyring.keys.get(keyring.activeKeyId)!;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad) cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    keyId: keyring.activeKeyId,
    box: Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url'),
  };
}

export function open(keyring: Keyring, sealed: Sealed, aad?: Buffer): Buffer {
  const key = keyring.keys.get(sealed.keyId);
  if (!key) throw new Error(`no key ${sealed.keyId} in the keyring`);
  const raw = Buffer.from(sealed.box, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  if (aad) decipher.setAAD(aad);
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
}

/** Credentials JSON sealed for one connection: the connection id is bound in as AAD. */
export function sealJson(keyring: Keyring, value: unknown, boundTo: string): Sealed {
  return seal(keyring, Buffer.from(JSON.stringify(value)), Buffer.from(boundTo));
}

export function openJson<T>(keyring: Keyring, sealed: Sealed, boundTo: string): T {
  return JSON.parse(open(keyring, sealed, Buffer.from(boundTo)).toString('utf8')) as T;
}
