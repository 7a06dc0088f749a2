// Child process for embedded.test.ts.
//   open-database.ts start <dataDir>  try to own the data directory (expected to fail if owned)
//   open-database.ts ensure           ensureDatabase() with the inherited UNROLL_HOME, run a query
import pg from "pg";
import { ensureDatabase, startEmbedded } from "../embedded.js";

const [mode, dataDir] = process.argv.slice(2);
try {
  if (mode === "start") {
    const server = await startEmbedded({ dataDir, port: 0 });
    console.log(`OPENED ${server.url}`);
    await server.stop();
  } else {
    const handle = await ensureDatabase();
    const client = new pg.Client({ connectionString: handle.url });
    await client.connect();
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Experiment"`);
    await client.end();
    console.log(`${handle.kind} ${handle.url} experiments=${rows[0]?.n}`);
    await handle.release();
  }
  process.exit(0);
} catch (error) {
  console.error((error as Error).message);
  process.exit(3);
}
