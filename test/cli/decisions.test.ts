import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { run } from "../../bin/commands/decisions.js";
import type { DecisionView } from "../../lib/operator/decision-query.js";
import { createTestTable, type DynaliteHandle, localDynamoClient, startDynalite } from "../support/dynalite.js";
import { runCommand, seedStateTable } from "./operator-fixtures.js";

let db: DynaliteHandle;
let table: string;
const now = Date.now();

before(async () => {
  db = await startDynalite();
  table = await createTestTable(localDynamoClient(db.endpoint), "decisions");
  await seedStateTable(db.endpoint, table, now);
});
after(async () => {
  await db.close();
});

const decisions = (argv: string[]) => runCommand(run, [...argv, "--table", table, "--endpoint", db.endpoint]);

async function json(argv: string[]): Promise<DecisionView[]> {
  const r = await decisions([...argv, "-o", "json"]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as DecisionView[];
}

test("decisions: the last 24h newest first; the table shows UTC time, controller, action and a summary", async () => {
  const all = await json([]);
  assert.deepEqual(
    all.map((d) => `${d.controller} ${d.action}`),
    [
      "interruption cordon-and-drain",
      "disruptor reject",
      "disruptor delete",
      "provisioner launch",
      "provisioner launch",
      "gc terminate",
    ],
  );
  assert.ok(all.every((d, i) => i === 0 || all[i - 1].at >= d.at));
  const table = await decisions([]);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split("\n");
  assert.match(lines[0], /^TIME \(UTC\)\s+CONTROLLER\s+ACTION\s+SUMMARY$/);
  assert.match(
    lines[1],
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+interruption\s+cordon-and-drain\s+spot-interruption, node ip-10-0-2-7/,
  );
  assert.match(
    table.stdout,
    /provisioner\s+launch\s+pool default, m5\.large on-demand us-east-1a \$0\.0960\/h, claim default-aaa, 2 pods \(shop\/web-1, shop\/web-2\)/,
  );
});

test("decisions --since: a duration or an ISO time; older decisions are left out", async () => {
  assert.deepEqual(
    (await json(["--since", "1h"])).map((d) => d.action),
    ["cordon-and-drain", "reject", "delete", "launch", "launch"],
  );
  assert.equal((await json(["--since", "2d"])).length, 7);
  const iso = new Date(now - 15 * 60_000).toISOString();
  assert.deepEqual(
    (await json(["--since", iso])).map((d) => d.action),
    ["cordon-and-drain", "reject"],
  );
  const bad = await decisions(["--since", "yesterday"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split("\n").length, 1);
  assert.match(bad.stderr, /--since "yesterday": expected a duration/);
});

test("decisions --controller and --limit keep the newest matching ones", async () => {
  assert.deepEqual(
    (await json(["--controller", "provisioner", "--since", "2d"])).map((d) => d.details.claimId),
    ["gpu-bbb", "default-aaa", "default-old"],
  );
  assert.deepEqual(
    (await json(["--limit", "2"])).map((d) => d.action),
    ["cordon-and-drain", "reject"],
  );
  const bad = await decisions(["--controller", "scheduler"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--controller scheduler: must be one of provisioner, disruptor, interruption, gc/);
});

test("decisions --node matches the node name, its claim (the launch) and its instance id", async () => {
  assert.deepEqual(
    (await json(["--node", "ip-10-0-1-5.ec2.internal"])).map((d) => `${d.controller} ${d.action}`),
    ["disruptor reject", "provisioner launch"],
  );
  assert.deepEqual(
    (await json(["--node", "i-0bbb"])).map((d) => `${d.controller} ${d.action}`),
    ["interruption cordon-and-drain", "provisioner launch"],
  );
  assert.deepEqual(await json(["--node", "ip-10-9-9-9.ec2.internal"]), []);
  const none = await decisions(["--node", "ip-10-9-9-9.ec2.internal"]);
  assert.equal(none.stdout, "no decisions match\n");
});

test("decisions --pod matches the pod keys the decisions record", async () => {
  assert.deepEqual(
    (await json(["--pod", "shop/web-2"])).map((d) => d.details.claimId),
    ["default-aaa"],
  );
  const bad = await decisions(["--pod", "web-2"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--pod web-2: expected ns\/name/);
});

test("decisions on a missing table: one line, exit 2", async () => {
  const r = await runCommand(run, ["--table", "no-such-table", "--endpoint", db.endpoint]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split("\n").length, 1);
  assert.match(r.stderr, /state table "no-such-table" not found/);
});
