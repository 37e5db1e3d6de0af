// Every workflow type the worker runs. Workflow code is deterministic and Node-free.
export { syncConnection } from './sync-connection.ts';
