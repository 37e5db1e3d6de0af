// Task queue names. A prefix (TASK_QUEUE_PREFIX) lets parallel test files share one dev server
// without their workers taking each other's tasks. Vendor reads and writes run on a queue per
// vendor, so a vendor's ceiling (activities per second, enforced by the server) holds across all
// workers, and a slow vendor never starves the others. Node-free: workflow code imports it.
export function mainTaskQueue(prefix = ''): string {
  return `${prefix}commission-hub`;
}

export function vendorTaskQueue(mainQueue: string, provider: string): string {
  return `${mainQueue}-vendor-${provider}`;
}
