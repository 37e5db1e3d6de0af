// `npm run bench`: starts the real stack once and runs every benchmark, printing its figures.
// BENCH_DEALS sets the HubSpot sync size (default 100,000); DATABASE_URL selects PostgreSQL.
// Names pick benchmarks (`npm run bench -- reconcile`); none runs them all. BENCH_RECONCILE_LINES
// and BENCH_RECONCILE_EXPECTED size the reconciliation (default 100,000 × 1,000,000).
// BENCH_WEBHOOK_EVENTS sizes the webhook delivery benchmark (default 20,000 events).
import { benchApiPolicies, formatApiPoliciesBench } from './api-policies.ts';
import { benchHubSpotSync } from './hubspot-sync.ts';
import { benchReconcile, formatReconcileBench } from './reconcile.ts';
import { startBenchStack } from './stack.ts';
import { benchWebhookDelivery, formatWebhookBench } from './webhook-delivery.ts';

const deals = Number(process.env.BENCH_DEALS ?? 100_000);
const selected = process.argv.slice(2);
const runs = (name: string) => selected.length === 0 || selected.includes(name);
for (const name of selected)
  if (!['hubspot', 'reconcile', 'api-policies', 'webhooks'].includes(name))
    throw new Error(`no benchmark "${name}"`);
const stack = await startBenchStack();
try {
  if (runs('reconcile')) {
    const lines = Number(process.env.BENCH_RECONCILE_LINES ?? 100_000);
    const expected = Number(process.env.BENCH_RECONCILE_EXPECTED ?? 1_000_000);
    console.log(`\nStatement reconciliation, ${lines} lines × ${expected} expected (${stack.databaseKind})`);
    console.log(formatReconcileBench(await benchReconcile(stack, { lines, expected })));
  }
  if (runs('hubspot')) await hubspot();
  if (runs('api-policies')) {
    console.log(`\nGET /v1/policies, open loop (${stack.databaseKind})`);
    console.log(formatApiPoliciesBench(await benchApiPolicies(stack)));
  }
  if (runs('webhooks')) {
    const messages = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 20_000);
    console.log(
      `\nWebhook delivery, ${messages} events × 2 endpoints, 30% of requests fail (${stack.databaseKind})`,
    );
    console.log(
      formatWebhookBench(await benchWebhookDelivery(stack, { messages, endpoints: 2, failureRate: 0.3 })),
    );
  }
} finally {
  await stack.stop();
}

async function hubspot() {
  console.log(`\nHubSpot full sync, ${deals} deals (${stack.databaseKind})`);
  const r = await benchHubSpotSync(stack, deals);
  console.log(`  records synced        ${r.records}`);
  console.log(
    `  sync (end to end)     ${r.syncSeconds.toFixed(1)} s  = ${Math.round(r.syncRecordsPerSecond)} records/s`,
  );
  console.log(
    `  raw bulk load         ${r.bulkSeconds.toFixed(1)} s  = ${Math.round(r.bulkRecordsPerSecond)} records/s`,
  );
  console.log(`  ratio to the limit    ${r.ratio.toFixed(2)}  (goal ≥ 0.50)`);
  console.log(`  workflow history      ${r.historyEvents} events across all runs`);
}
