// The data converter every Temporal client and worker of the hub uses.
import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from './payload-codec.ts';
import type { Keyring } from './secret-box.ts';

export const failureConverterPath = new URL('./failure-converter.ts', import.meta.url).pathname;

export function hubDataConverter(payloadKeys: Keyring): DataConverter {
  return { payloadCodecs: [new AesGcmPayloadCodec(payloadKeys)], failureConverterPath };
}
