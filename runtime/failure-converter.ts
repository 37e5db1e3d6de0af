// Failure messages and stack traces go into an encoded payload (and so through the encrypting
// codec) instead of plain history fields: a vendor error quoting a record cannot leak through them.
// CommonJS-compatible default export: the worker's bundler loads this path into workflow code too.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
