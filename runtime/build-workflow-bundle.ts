// Bundles the workflow code once (for production images): the worker then loads it with
// WORKFLOW_BUNDLE instead of bundling at start. Fails if workflow code reaches Node built-ins.
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundleOptions } from './worker.ts';

const out = process.argv[2] ?? 'dist/workflow-bundle.js';
const { code } = await bundleWorkflowCode(workflowBundleOptions);
writeFileSync(out, code);
console.log(`workflow bundle written to ${out} (${(code.length / 1024).toFixed(0)} KiB)`);
