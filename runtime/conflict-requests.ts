// Starting the decision workflow of conflicts a write opened outside a sync (an API write, an
// inbound push): the same workflow a sync starts, after the write committed. A crash between
// commit and start leaves workflow_started false, and the next sync of the tenant starts it.
import type { Client } from '@temporalio/client';
import type { Pool } from '../db/pool.ts';
import { conflictWorkflowId } from '../workflows/shared.ts';
import { TenantId } from './search-attributes.ts';

export async function startConflictDecisions(
  client: Client,
  pool: Pool,
  taskQueue: string,
  conflictIds: string[],
): Promise<void> {
  if (!conflictIds.length) return;
  const { rows } = await pool.query<{ id: string; deadline_at: Date; tenant_id: string }>(
    'select id, deadline_at, tenant_id from conflicts where id = any($1::uuid[])',
    [conflictIds],
  );
  for (const c of rows) {
    await client.workflow.start('resolveConflict', {
      workflowId: conflictWorkflowId(c.id),
      taskQueue,
      args: [{ conflictId: c.id, deadlineAt: c.deadline_at.toISOString() }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [{ key: TenantId, value: c.tenant_id }],
    });
  }
  await pool.query('update conflicts set workflow_started = true where id = any($1::uuid[])', [conflictIds]);
}
