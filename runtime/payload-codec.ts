// Temporal payloads encrypted with AES-256-GCM before they leave the process, so nothing in
// workflow history (inputs, results, signals, failure messages) is readable without the key: no
// token, email or name in plain text on the Temporal server. The key id travels in the payload
// metadata, so keys rotate like the credentials keys do. Temporal UI decodes through the hub's
// codec endpoint (api/routes/codec.ts) for an authenticated operator.
import type { Payload, PayloadCodec } from '@temporalio/common';
// CommonJS package: its namespace comes through the default export under Node's ESM loader.
import proto from '@temporalio/proto';
import { type Keyring, open, seal } from './secret-box.ts';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const { temporal } = proto;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keyring: Keyring;
  constructor(keyring: Keyring) {
    this.keyring = keyring;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const plain = Buffer.from(temporal.api.common.v1.Payload.encode(payload).finish());
      const sealed = seal(this.keyring, plain);
      return {
        metadata: {
          encoding: encoder.encode(ENCRYPTED_ENCODING),
          'encryption-key-id': encoder.encode(sealed.keyId),
        },
        data: Buffer.from(sealed.box, 'base64url'),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding ? decoder.decode(payload.metadata.encoding) : null;
      if (encoding !== ENCRYPTED_ENCODING) return payload; // written before encryption, or by another tool
      const keyId = decoder.decode(payload.metadata!['encryption-key-id']!);
      const plain = open(this.keyring, { keyId, box: Buffer.from(payload.data ?? []).toString('base64url') });
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }
}
