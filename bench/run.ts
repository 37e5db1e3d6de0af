// `npm run bench`: starts the real stack once and runs every benchmark, printing its figures.
// BENCH_DEALS sets the HubSpot sync size (default 100,000); DATABASE_URL selects PostgreSQL.
import { benchHubSpotSync } from './hubspot-sync.ts';
import { startBenchStack } from './stack.ts';

const deals = Number(process.env.BENCH_DEALS ?? 100_000);
const stack = await startBenchStack();
try {
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
} finally {
  await stack.stop();
}
