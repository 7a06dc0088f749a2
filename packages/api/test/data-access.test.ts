// Runs launched through the api read data files only under the server's data roots: checked after
// every symlink is resolved and before anything is queued; outside the roots a missing file and an
// existing one get the same answer; no error carries a file's content. Named corpora are always
// allowed. (The CLI, run by the machine's own user, reads anywhere: resolveDataFiles without roots.)
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets } from "@unroll/db/testing";
import { createCaller, createTRPCContext, dataRoots, handleTrpcRequest } from "../src/index.js";
import { countRuns, expectTRPCError, openApi, TINY_LM, type Api } from "./fixtures.js";

const SECRET = "TOP SECRET first line of a file outside the roots";
const base = realpathSync(mkdtempSync(join(tmpdir(), "unroll-api-data-access-")));
const allowed = join(base, "allowed");
const outside = join(base, "outside");
mkdirSync(allowed);
mkdirSync(outside);
writeFileSync(join(outside, "secret.txt"), `${SECRET}\n`);
writeFileSync(join(allowed, "train.txt"), "some text to train on\n");
symlinkSync(join(outside, "secret.txt"), join(allowed, "link.txt")); // a link inside, to a file outside
symlinkSync(outside, join(allowed, "dirlink")); // a directory link inside, to outside
symlinkSync(allowed, join(base, "allowed-via-link")); // the root itself, reached through a link
afterAll(() => rmSync(base, { recursive: true, force: true }));

const ROOTS = dataRoots(undefined, [allowed]);
const lm = (train: string) => ({ ...TINY_LM, data: { format: "chars", train } });
const NOT_ALLOWED = new RegExp(
  `^data\\.train: with the base config: .* is not a file this server may read: runs launched here read data only under ${allowed.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} \\(the data directory and UNROLL_DATA_ROOTS\\); put the file there, or add its directory to UNROLL_DATA_ROOTS`,
);

describe("dataRoots", () => {
  it("resolves each root through symlinks and drops missing, relative and repeated ones", () => {
    expect(dataRoots(join(base, "allowed-via-link"), [allowed, join(base, "nope"), "relative/dir", ""])).toEqual([allowed]);
    expect(dataRoots(undefined)).toEqual([]);
  });
});

describe.each(await testTargets())("data paths of launched runs on %s", (target) => {
  let api: Api;
  let caller: Api["caller"];
  beforeAll(async () => {
    api = await openApi(target);
    caller = createCaller(createTRPCContext({ db: api.t.db, inference: api.inference, dataRoots: ROOTS }));
  });
  afterAll(() => api?.close());

  it.each([
    ["a file outside the roots", join(outside, "secret.txt")],
    ["a missing file outside the roots", join(outside, "missing.txt")],
    ["a symlink inside the roots to a file outside", join(allowed, "link.txt")],
    ["a path through a directory symlink that leaves the roots", join(allowed, "dirlink", "secret.txt")],
    ["a path that climbs out with ..", `${allowed}/../outside/secret.txt`],
    ["the root of the file system", "/"],
  ])("refuses %s before anything is queued, without its content", async (_what, train) => {
    const before = await countRuns(api.t.db);
    const e = await expectTRPCError(caller.launch.enqueue({ experiment: "outside", config: lm(train) }), "BAD_REQUEST", NOT_ALLOWED);
    expect(e.message).not.toContain(SECRET.slice(0, 10));
    const checked = await caller.launch.validate({ config: lm(train) });
    expect(checked).toMatchObject({ ok: false, runs: [] });
    expect(checked.issues[0]?.message).toMatch(/is not a file this server may read/);
    await expectTRPCError(caller.tying.launch({ experiment: "outside", config: lm(train) }), "BAD_REQUEST", /is not a file this server may read/);
    expect(await countRuns(api.t.db)).toBe(before);
  });

  it("confines pretrained vectors too, with a named corpus as with files", async () => {
    const before = await countRuns(api.t.db);
    const vectors = join(outside, "secret.txt");
    await expectTRPCError(
      caller.launch.enqueue({ experiment: "x", config: { ...TINY_LM, data: { corpus: "tiny-shakespeare", vectors } } }),
      "BAD_REQUEST",
      /^data\.vectors: with the base config: .* is not a file this server may read/,
    );
    await expectTRPCError(
      caller.launch.enqueue({
        experiment: "x",
        config: { ...lm(join(allowed, "train.txt")), data: { format: "chars", train: join(allowed, "train.txt"), vectors } },
      }),
      "BAD_REQUEST",
      /^data\.vectors: .* is not a file this server may read/,
    );
    expect(await countRuns(api.t.db)).toBe(before);
  });

  it("gives the same answer for a missing file and an existing one outside the roots", async () => {
    const message = async (train: string) =>
      (await expectTRPCError(caller.launch.enqueue({ experiment: "x", config: lm(train) }), "BAD_REQUEST")).message.replace(train, "PATH");
    expect(await message(join(outside, "missing.txt"))).toBe(await message(join(outside, "secret.txt")));
  });

  it("queues a file under a root, named by its real path; a root reached through a link counts", async () => {
    const { runIds } = await caller.launch.enqueue({ experiment: "inside", config: lm(join(base, "allowed-via-link", "train.txt")) });
    const run = await api.t.db.prisma.run.findUniqueOrThrow({ where: { id: runIds[0]! } });
    expect((run.config as { data: { train: string } }).data.train).toBe(join(allowed, "train.txt"));
  });

  it("inside the roots, says what is wrong with the path", async () => {
    await expectTRPCError(
      caller.launch.enqueue({ experiment: "x", config: lm(join(allowed, "missing.txt")) }),
      "BAD_REQUEST",
      /no file at .*allowed\/missing\.txt: fix the path/,
    );
    await expectTRPCError(caller.launch.enqueue({ experiment: "x", config: lm(join(allowed, "dirlink")) }), "BAD_REQUEST", NOT_ALLOWED);
  });

  it("with no roots, allows named corpora only and says how to allow files", async () => {
    const none = createCaller(createTRPCContext({ db: api.t.db, inference: api.inference }));
    await expectTRPCError(
      none.launch.enqueue({ experiment: "x", config: lm(join(allowed, "train.txt")) }),
      "BAD_REQUEST",
      /it reads no data files \(no data directory, and UNROLL_DATA_ROOTS is unset\); set UNROLL_DATA_ROOTS where the dashboard runs, or use a named corpus/,
    );
    const { runIds } = await none.launch.enqueue({ experiment: "corpus", config: TINY_LM });
    expect(runIds).toHaveLength(1);
  });

  it("over HTTP: 400 naming the roots, no content, nothing queued", async () => {
    const before = await countRuns(api.t.db);
    const response = await handleTrpcRequest(
      new Request("http://localhost/api/trpc/launch.enqueue", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ experiment: "http", config: lm(join(allowed, "link.txt")) }),
      }),
      { endpoint: "/api/trpc", createContext: () => createTRPCContext({ db: api.t.db, inference: api.inference, dataRoots: ROOTS }) },
    );
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain("is not a file this server may read");
    expect(text).not.toContain(SECRET.slice(0, 10));
    expect(await countRuns(api.t.db)).toBe(before);
  });
});
