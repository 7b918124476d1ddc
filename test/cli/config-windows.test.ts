/**
 * Windows node classes at `stevedore config validate` / `config apply`: a pool that can only run arm64 on a Windows
 * class is refused with the requirement's field path and nothing is stored; Windows Server 2019/2022/2025 (amiFamily or
 * alias) are accepted.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { run } from "../../bin/commands/config.js";
import { type DynaliteHandle, startDynalite } from "../support/dynalite.js";

let db: DynaliteHandle;
let dir: string;
before(async () => {
  db = await startDynalite();
  dir = mkdtempSync(join(tmpdir(), "stevedore-config-windows-"));
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db.close();
});

async function cli(argv: string[], table: string) {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: { STEVEDORE_DYNAMODB_ENDPOINT: db.endpoint, STEVEDORE_TABLE: table },
    cwd: dir,
  });
  return { code, stdout, stderr };
}

function windowsConfig(ami: string, arch: string): string {
  return `apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: win}
spec:
  template:
    spec:
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: win}
      requirements:
        - {key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}
        - {key: kubernetes.io/arch, operator: In, values: [${arch}]}
---
apiVersion: karpenter.k8s.aws/v1
kind: EC2NodeClass
metadata: {name: win}
spec:
  ${ami}
  role: KarpenterNodeRole
  subnetSelectorTerms: [{tags: {karpenter.sh/discovery: test}}]
  securityGroupSelectorTerms: [{tags: {karpenter.sh/discovery: test}}]
`;
}

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

test("config validate/apply refuse Windows with arm64-only requirements, with the field path; nothing is stored", async () => {
  const file = write("win-arm.yaml", windowsConfig("amiSelectorTerms: [{alias: windows2022@latest}]", "arm64"));
  const validate = await cli(["validate", "-f", file], "unused");
  assert.equal(validate.code, 2);
  assert.match(
    validate.stderr,
    /win-arm\.yaml: NodePool "win": spec\.template\.spec\.requirements\[1\]: kubernetes\.io\/arch leaves no amd64, but node class "win" uses Windows2022 AMIs, which run on amd64 only/,
  );
  const apply = await cli(["apply", "-f", file, "--create-table"], "windows-arm");
  assert.equal(apply.code, 2);
  const list = await cli(["list"], "windows-arm");
  assert.doesNotMatch(list.stdout, /NodePool|EC2NodeClass/);
});

test("config validate accepts Windows 2019, 2022 and 2025 on amd64 (alias or amiFamily)", async () => {
  for (const ami of [
    "amiSelectorTerms: [{alias: windows2019@latest}]",
    "amiSelectorTerms: [{alias: windows2025@latest}]",
    "amiFamily: Windows2022\n  amiSelectorTerms: [{id: ami-0123456789abcdef0}]",
  ]) {
    const r = await cli(["validate", "-f", write("win.yaml", windowsConfig(ami, "amd64"))], "unused");
    assert.equal(r.code, 0, `${ami}: ${r.stderr}`);
  }
});
