import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { run } from "../../bin/commands/config.js";
import { type DynaliteHandle, startDynalite } from "../support/dynalite.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const EXAMPLE = fileURLToPath(new URL("../state/fixtures/karpenter-getting-started.yaml", import.meta.url));
const EXAMPLE_TEXT = readFileSync(EXAMPLE, "utf8");

let db: DynaliteHandle;
let dir: string;
let tableCounter = 0;
before(async () => {
  db = await startDynalite();
  dir = mkdtempSync(join(tmpdir(), "stevedore-config-cli-"));
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db.close();
});

/** Runs `stevedore config …` in process against dynalite with a fresh table per `table` value. */
async function cli(argv: string[], table: string, env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: { STEVEDORE_DYNAMODB_ENDPOINT: db.endpoint, STEVEDORE_TABLE: table, ...env },
    cwd: dir,
  });
  return { code, stdout, stderr };
}

function freshTable(): string {
  tableCounter += 1;
  return `cli-${tableCounter}`;
}

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const BAD = EXAMPLE_TEXT.replace("operator: NotIn", "operator: Within");

test("config validate: the example validates without a table; a bad document exits 2 with a field path", async () => {
  const ok = await cli(["validate", "-f", EXAMPLE], "unused", { STEVEDORE_DYNAMODB_ENDPOINT: "http://127.0.0.1:1" });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Provisioner "default" valid/);
  assert.match(ok.stdout, /AWSNodeTemplate "default" valid/);
  const bad = await cli(["validate", "-f", write("bad.yaml", BAD)], "unused");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /bad\.yaml: Provisioner "default": spec\.requirements\[1\]\.operator: .*Within/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
  const missing = await cli(["validate", "-f", "nope.yaml"], "unused");
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.yaml: no such file or directory/);
});

test("config validate takes files as arguments too, and skips kinds that are not Karpenter configuration", async () => {
  const withConfigMap = write(
    "mixed.yaml",
    `${EXAMPLE_TEXT}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: limits\ndata:\n  a: "1"\n`,
  );
  const r = await cli(["validate", withConfigMap], "unused", { STEVEDORE_DYNAMODB_ENDPOINT: "http://127.0.0.1:1" });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Provisioner "default" valid/);
  assert.match(r.stderr, /mixed\.yaml: ConfigMap "limits": skipped: kind ConfigMap is not Karpenter configuration/);
  const table = freshTable();
  const applied = await cli(["apply", withConfigMap, "--create-table"], table);
  assert.equal(applied.code, 0, applied.stderr);
  const listed = await cli(["list", "-o", "json"], table);
  assert.doesNotMatch(listed.stdout, /ConfigMap|limits/);
});

test("config apply then list round-trips against dynalite; re-apply is unchanged; an edit bumps the version", async () => {
  const table = freshTable();
  const applied = await cli(["apply", "-f", EXAMPLE, "--create-table"], table);
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(
    applied.stdout,
    [
      'Provisioner "default" created (version 1)',
      'AWSNodeTemplate "default" created (version 1)',
      'Provisioner "on-demand" created (version 1)',
      'Provisioner "example-provisioner" created (version 1)',
      "",
    ].join("\n"),
  );
  const listed = await cli(["list", "-o", "json"], table);
  assert.equal(listed.code, 0, listed.stderr);
  const items = (
    JSON.parse(listed.stdout) as { items: { kind: string; name: string; documentKind: string; version: number }[] }
  ).items;
  assert.deepEqual(
    items.map((i) => `${i.kind}/${i.name}/${i.documentKind}@${i.version}`),
    [
      "NodeClass/default/AWSNodeTemplate@1",
      "NodePool/default/Provisioner@1",
      "NodePool/example-provisioner/Provisioner@1",
      "NodePool/on-demand/Provisioner@1",
    ],
  );
  const tableOut = await cli(["list"], table);
  assert.match(tableOut.stdout, /^KIND\s+NAME\s+DOCUMENT\s+VERSION\s+UPDATED\n/);
  assert.match(tableOut.stdout, /NodePool\s+on-demand\s+karpenter\.sh\/v1alpha5\/Provisioner\s+1\s/);

  const again = await cli(["apply", "-f", EXAMPLE], table);
  assert.match(again.stdout, /Provisioner "default" unchanged \(version 1\)/);

  const edited = write("edited.yaml", EXAMPLE_TEXT.replace("intent: apps", "intent: web"));
  const changed = await cli(["apply", "-f", edited], table);
  assert.match(changed.stdout, /Provisioner "default" configured \(version 2\)/);
  assert.match(changed.stdout, /AWSNodeTemplate "default" unchanged \(version 1\)/);

  const got = await cli(["get", "provisioner", "default"], table);
  assert.equal(got.code, 0);
  assert.match(got.stdout, /intent: web/);
  assert.doesNotMatch(got.stdout, /on-demand/, "one document per object");
  const gotJson = JSON.parse((await cli(["get", "nodepools", "default", "-o", "json"], table)).stdout);
  assert.equal(gotJson.version, 2);
  assert.equal(gotJson.documentKind, "Provisioner");
  const classes = JSON.parse((await cli(["list", "ec2nodeclass", "-o", "json"], table)).stdout);
  assert.deepEqual(
    classes.items.map((i: { name: string }) => i.name),
    ["default"],
  );
});

test("config apply: one bad document writes nothing and leaves stored versions untouched (exit 2)", async () => {
  const table = freshTable();
  assert.equal((await cli(["apply", "-f", EXAMPLE, "--create-table"], table)).code, 0);
  const good = write("good-new.yaml", EXAMPLE_TEXT.replace("intent: apps", "intent: new").split(/^---$/m)[0]);
  const bad = write("bad-apply.yaml", BAD);
  const out = await cli(["apply", "-f", good, "-f", bad], table);
  assert.equal(out.code, 2);
  assert.equal(out.stdout, "");
  assert.match(out.stderr, /bad-apply\.yaml: Provisioner "default": spec\.requirements\[1\]\.operator: /);
  const got = JSON.parse((await cli(["get", "provisioner", "default", "-o", "json"], table)).stdout);
  assert.equal(got.version, 1);
  assert.match(got.document, /intent: apps/);
});

test("config apply: the same name twice across files is an error", async () => {
  const a = write("dup-a.yaml", EXAMPLE_TEXT);
  const out = await cli(["apply", "-f", a, "-f", EXAMPLE], freshTable());
  assert.equal(out.code, 2);
  assert.match(out.stderr, /Provisioner "default": metadata\.name: "default" is already used by Provisioner "default"/);
});

test("config apply: a pool whose node class is neither in the input nor stored is applied with a warning", async () => {
  const table = freshTable();
  const poolOnly = write("pool-only.yaml", EXAMPLE_TEXT.split(/^---$/m)[0]);
  const first = await cli(["apply", "-f", poolOnly, "--create-table"], table);
  assert.equal(first.code, 0, first.stderr);
  assert.match(
    first.stderr,
    /warning: pool-only\.yaml: Provisioner "default": spec\.providerRef\.name: node class "default" is not in the input or table/,
  );
  assert.equal((await cli(["apply", "-f", EXAMPLE], table)).code, 0);
  const again = await cli(["apply", "-f", poolOnly], table);
  assert.doesNotMatch(again.stderr, /node class/, "the stored AWSNodeTemplate satisfies the reference");
});

test("config get/delete/list: not found is exit 1; usage errors are exit 2", async () => {
  const table = freshTable();
  assert.equal((await cli(["apply", "-f", EXAMPLE, "--create-table"], table)).code, 0);
  const del = await cli(["delete", "awsnodetemplate", "default"], table);
  assert.equal(del.code, 0);
  assert.equal(del.stdout, 'NodeClass "default" deleted\n');
  assert.equal((await cli(["delete", "awsnodetemplate", "default"], table)).code, 1);
  const missing = await cli(["get", "ec2nodeclass", "default"], table);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /NodeClass "default" not found/);
  assert.equal((await cli(["get", "pod", "x"], table)).code, 2);
  assert.equal((await cli(["get", "provisioner"], table)).code, 2);
  assert.equal((await cli(["frobnicate"], table)).code, 2);
  assert.equal((await cli(["list", "-o", "xml"], table)).code, 2);
  assert.equal((await cli(["apply"], table)).code, 2);
  const noTable = await cli(["list"], "never-created");
  assert.equal(noTable.code, 1);
  assert.match(noTable.stderr, /state table "never-created" not found/);
  const empty = freshTable();
  assert.equal((await cli(["list", "--create-table"], empty)).stdout, `no config in table "${empty}"\n`);
});

function subprocess(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bin/stevedore.ts", ...args], {
      cwd: REPO,
      env: { ...process.env, ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => {
      stdout += b;
    });
    child.stderr.on("data", (b: Buffer) => {
      stderr += b;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

test("subprocess: stevedore config apply of a bad document exits 2 with the field path and no stack trace", async () => {
  const bad = write("sub-bad.yaml", BAD);
  const out = await subprocess(["config", "apply", "-f", bad, "--endpoint", db.endpoint, "--table", "sub"], {});
  assert.equal(out.code, 2, out.stderr);
  assert.match(out.stderr, /sub-bad\.yaml: Provisioner "default": spec\.requirements\[1\]\.operator: /);
  assert.doesNotMatch(out.stderr, /\n\s+at |Error:/);
});

/** A v1 NodePool (+ its EC2NodeClass) with `spec` lines and `requirements` lines spliced in. */
function v1Pool(spec: string, requirement: string): string {
  return `apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: general}
spec:
${spec}
  template:
    spec:
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
      requirements:
        - {key: karpenter.sh/capacity-type, operator: In, values: [spot]}
${requirement}
---
apiVersion: karpenter.k8s.aws/v1
kind: EC2NodeClass
metadata: {name: default}
spec:
  amiSelectorTerms: [{alias: al2023@latest}]
  role: NodeRole
  subnetSelectorTerms: [{tags: {team: a}}]
  securityGroupSelectorTerms: [{tags: {team: a}}]
`;
}

test("config validate/apply: minValues and static-pool combinations Karpenter refuses are refused with the field path", async () => {
  const family = "        - {key: karpenter.k8s.aws/instance-family, operator: In, values: [m5, c5], minValues: 3}";
  const cases: [string, string, RegExp][] = [
    ["", family, /spec\.template\.spec\.requirements\[1\]\.minValues: 3 is more than the 2 values/],
    [
      "",
      "        - {key: karpenter.k8s.aws/instance-family, operator: Exists, minValues: 60}",
      /requirements\[1\]\.minValues: 60 is not between 1 and 50/,
    ],
    ["  replicas: 3\n  weight: 50", "", /NodePool "general": spec\.weight: is not allowed with spec\.replicas/],
    ["  replicas: 3\n  limits: {cpu: 64}", "", /spec\.limits\.cpu: is not allowed with spec\.replicas/],
  ];
  const table = freshTable();
  const good = write("minvalues-good.yaml", v1Pool("  replicas: 2", family.replace("minValues: 3", "minValues: 2")));
  const first = await cli(["apply", "-f", good, "--create-table"], table);
  assert.equal(first.code, 0, first.stderr);
  for (const [i, [spec, requirement, expected]] of cases.entries()) {
    const file = write(`minvalues-bad-${i}.yaml`, v1Pool(spec, requirement));
    const validated = await cli(["validate", "-f", file], "unused");
    assert.equal(validated.code, 2, `case ${i}`);
    assert.match(validated.stderr, expected);
    const applied = await cli(["apply", "-f", file], table);
    assert.equal(applied.code, 2);
    assert.match(applied.stderr, expected);
  }
  const stored = JSON.parse((await cli(["get", "nodepool", "general", "-o", "json"], table)).stdout);
  assert.equal(stored.version, 1, "nothing stored changed");
  assert.match(stored.document, /minValues: 2/);
});
