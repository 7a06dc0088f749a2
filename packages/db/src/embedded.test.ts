// The embedded PGlite server: one owner per data directory, clear errors for a second opener,
// stale-lock takeover, persistence across restarts, and concurrent clients.
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_EMBEDDED_PORT } from "./env.js";
import { DataDirInUseError, LOCK_FILE, readLock, startEmbedded, type EmbeddedServer } from "./embedded.js";
import { applyMigrations } from "./migrate/apply.js";
import { createTestDatabase, embeddedTemplateDir, type TestDatabase } from "./testing.js";

const FIXTURE = fileURLToPath(new URL("./__fixtures__/open-database.ts", import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));

function runChild(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, ...args], {
      cwd: PACKAGE_DIR,
      env: { ...process.env, DATABASE_URL: "", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("embedded PGlite server", () => {
  let t: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    t = await createTestDatabase("embedded");
    dataDir = t.dataDir ?? "";
  });
  afterAll(() => t?.close());

  it("writes a lock naming this process and its URL", () => {
    expect(readLock(dataDir)).toMatchObject({ pid: process.pid, url: t.url, ready: true });
  });

  it("refuses a second opener in this process with DataDirInUseError", async () => {
    await expect(startEmbedded({ dataDir, port: 0 })).rejects.toBeInstanceOf(DataDirInUseError);
  });

  it("a second process that opens the same data directory gets a clear error naming the owner", async () => {
    const { code, stdout, stderr } = await runChild(["start", dataDir]);
    expect(stdout).not.toContain("OPENED");
    expect(code).toBe(3);
    expect(stderr).toContain(`already open in process ${process.pid}`);
    expect(stderr).toContain(`Connect to ${t.url} instead`);
  });

  it("a second process using ensureDatabase() connects to the owner instead", async () => {
    await t.db.prisma.experiment.create({ data: { name: "seen-by-child" } });
    const home = join(dataDir, "..");
    const { code, stdout, stderr } = await runChild(["ensure"], { UNROLL_HOME: home });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`embedded-client ${t.url} experiments=1`);
  });

  it("serves two pg clients in parallel; a transaction makes the other client wait", async () => {
    const a = new pg.Client({ connectionString: t.url });
    const b = new pg.Client({ connectionString: t.url });
    await Promise.all([a.connect(), b.connect()]);
    try {
      const [ra, rb] = await Promise.all([a.query("SELECT 1 AS x"), b.query("SELECT 2 AS x")]);
      expect([ra.rows[0].x, rb.rows[0].x]).toEqual([1, 2]);

      // The runner's claim: FOR UPDATE SKIP LOCKED. Clients are serialised per transaction, so
      // b's claim runs after a's commit and sees a's update: no run is claimed twice.
      const experiment = await t.db.prisma.experiment.create({ data: { name: "claims" } });
      await t.db.prisma.run.createMany({
        data: [1, 2].map((i) => ({ experimentId: experiment.id, name: `r${i}`, config: {} })),
      });
      const claim = `UPDATE "Run" SET status = 'RUNNING' WHERE id = (
          SELECT id FROM "Run" WHERE status = 'QUEUED' AND "experimentId" = '${experiment.id}'
          ORDER BY "createdAt", id FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING id`;
      await a.query("BEGIN");
      const first = await a.query(claim);
      let bDone = false;
      const second = b.query(claim).then((r) => ((bDone = true), r));
      await new Promise((r) => setTimeout(r, 200));
      expect(bDone).toBe(false); // queued behind a's open transaction
      await a.query("COMMIT");
      const claimedByB = await second;
      expect(first.rows[0].id).not.toBe(claimedByB.rows[0].id);

      // Advisory locks are per session, and all clients share PGlite's one session.
      expect((await a.query("SELECT pg_try_advisory_lock(4242) AS ok")).rows[0].ok).toBe(true);
      expect((await b.query("SELECT pg_try_advisory_lock(4242) AS ok")).rows[0].ok).toBe(true);
      await a.query("SELECT pg_advisory_unlock_all()");
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });
});

describe("embedded lifecycle", () => {
  let home: string;
  let server: EmbeddedServer | undefined;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "unroll-embedded-"));
    cpSync(await embeddedTemplateDir(true), join(home, "pgdata"), { recursive: true });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it("data survives a stop and restart", async () => {
    const dataDir = join(home, "pgdata");
    server = await startEmbedded({ dataDir, port: 0 });
    await applyMigrations(server.url);
    await query(server.url, `INSERT INTO "Experiment" (id, name) VALUES ('e1', 'persisted')`);
    await server.stop();
    expect(readLock(dataDir)).toBeUndefined();

    server = await startEmbedded({ dataDir, port: 0 });
    expect(await query(server.url, `SELECT name FROM "Experiment" WHERE id = 'e1'`)).toEqual([{ name: "persisted" }]);
    await server.stop();
    server = undefined;
  });

  it("takes over a stale lock left by a dead process, and says the last stop was not clean", async () => {
    const dataDir = join(home, "pgdata");
    const dead = { pid: 2 ** 22 + 12345, port: 1, host: "127.0.0.1", url: "postgresql://x", started: "2020-01-01", ready: true };
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify(dead));
    const warned: string[] = [];
    const warn = vi.spyOn(console, "warn").mockImplementation((line: string) => void warned.push(line));
    try {
      server = await startEmbedded({ dataDir, port: 0 });
    } finally {
      warn.mockRestore();
    }
    expect(warned.join("\n")).toMatch(new RegExp(`was not stopped cleanly \\(its owner, process ${dead.pid} since 2020-01-01, is gone\\)`));
    expect(readLock(dataDir)?.pid).toBe(process.pid);
    await server.stop();
    server = undefined;
  });

  it("takes a free port when the default one is taken (a second checkout), and says where in the lock", async () => {
    const dataDir = join(home, "pgdata");
    // Hold the default port, as another checkout's server would (unless something holds it already).
    const blocker: Server | undefined = await new Promise((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(undefined));
      s.listen(DEFAULT_EMBEDDED_PORT, "127.0.0.1", () => resolve(s));
    });
    const saved = process.env["UNROLL_DB_PORT"];
    try {
      delete process.env["UNROLL_DB_PORT"];
      server = await startEmbedded({ dataDir });
      expect(server.port).not.toBe(DEFAULT_EMBEDDED_PORT);
      expect(readLock(dataDir)).toMatchObject({ port: server.port, url: server.url, ready: true });
      expect(await query(server.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
      await server.stop();
      server = undefined;

      // A port the user forces is taken or fails, with the fix in the message.
      process.env["UNROLL_DB_PORT"] = String(DEFAULT_EMBEDDED_PORT);
      await expect(startEmbedded({ dataDir })).rejects.toThrow(/port 54329 is in use: set UNROLL_DB_PORT/);
      expect(readLock(dataDir)).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env["UNROLL_DB_PORT"];
      else process.env["UNROLL_DB_PORT"] = saved;
      await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
    }
  });
});
