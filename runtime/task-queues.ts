// Task queue names. A prefix (TASK_QUEUE_PREFIX) lets parallel test files share one dev server
// without their workers taking each other's tasks.
export function mainTaskQueue(prefix = ''): string {
  return `${prefix}commission-hub`;
}
