// Replaying a history needs its payloads in the clear; the replay worker does not run payload
// codecs, so histories recorded with the hub's encrypting codec are decoded here first. Works on
// fetched histories (bytes) and on the CLI's JSON form (base64 strings) alike.
import type { Payload } from '@temporalio/common';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING } from '../../runtime/payload-codec.ts';
import type { Keyring } from '../../runtime/secret-box.ts';

const encrypted = Buffer.from(ENCRYPTED_ENCODING);

function bytes(v: unknown): Uint8Array | null {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return Buffer.from(v, 'base64');
  return null;
}

function isEncryptedPayload(o: Record<string, unknown>): boolean {
  const meta = o.metadata as Record<string, unknown> | undefined;
  const encoding = meta ? bytes(meta.encoding) : null;
  return encoding !== null && Buffer.from(encoding).equals(encrypted) && 'data' in o;
}

export async function decodeHistory<T>(history: T, keyring: Keyring, jsonForm: boolean): Promise<T> {
  const codec = new AesGcmPayloadCodec(keyring);
  const walk = async (node: unknown): Promise<unknown> => {
    if (Array.isArray(node)) return Promise.all(node.map(walk));
    if (!node || typeof node !== 'object' || node instanceof Uint8Array) return node;
    const o = node as Record<string, unknown>;
    if (isEncryptedPayload(o)) {
      const meta = o.metadata as Record<string, unknown>;
      const [plain] = await codec.decode([
        {
          metadata: Object.fromEntries(Object.entries(meta).map(([k, v]) => [k, bytes(v)!])),
          data: bytes(o.data)!,
        } as Payload,
      ]);
      if (!jsonForm) return plain;
      return {
        metadata: Object.fromEntries(
          Object.entries(plain!.metadata ?? {}).map(([k, v]) => [
            k,
            Buffer.from(v as Uint8Array).toString('base64'),
          ]),
        ),
        data: Buffer.from(plain!.data ?? new Uint8Array()).toString('base64'),
      };
    }
    const out: Record<string, unknown> = Array.isArray(o) ? [] : Object.create(Object.getPrototypeOf(o));
    for (const [k, v] of Object.entries(o)) out[k] = await walk(v);
    return out;
  };
  return (await walk(history)) as T;
}
