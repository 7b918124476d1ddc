// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the examples contain ${CLUSTER_NAME} placeholders
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  buildConfig,
  ConfigValidationError,
  InputNotFoundError,
  listInputFiles,
  loadInputs,
  parseConfigDocuments,
} from "../../lib/api/index.js";
import { deployment, ec2NodeClass, nodePool, provisioner } from "./helpers.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "stevedore-load-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(rel: string, text: string): Promise<string> {
  const p = join(dir, rel);
  await mkdir(join(p, ".."), { recursive: true });
  await writeFile(p, text);
  return p;
}

async function rejection(p: Promise<unknown>): Promise<ConfigValidationError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ConfigValidationError, String(err));
    return err;
  }
  assert.fail("expected a ConfigValidationError");
}

test("directories are read recursively, sorted, only .yaml/.yml/.json, hidden entries skipped", async () => {
  const d = join(dir, "tree");
  await write("tree/b.yaml", provisioner("{}", "b"));
  await write("tree/a/z.yml", deployment("{containers: [{name: a}]}", "z", 1));
  await write(
    "tree/a/y.json",
    JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "y" }, spec: { containers: [{ name: "a" }] } }),
  );
  await write("tree/notes.txt", "not yaml");
  await write("tree/.hidden/x.yaml", "this: [is not valid");
  await write(
    "tree/c.yaml",
    "apiVersion: karpenter.k8s.aws/v1alpha1\nkind: AWSNodeTemplate\nmetadata: {name: default}\nspec: {subnetSelector: {a: b}, securityGroupSelector: {a: b}}\n",
  );
  assert.deepEqual(await listInputFiles([d]), [
    join(d, "a/y.json"),
    join(d, "a/z.yml"),
    join(d, "b.yaml"),
    join(d, "c.yaml"),
  ]);
  const loaded = await loadInputs([d], { env: {} });
  assert.deepEqual(
    loaded.pendingPods.map((p) => p.metadata.name?.slice(0, 2)),
    ["y", "z-"],
  );
  assert.deepEqual(
    loaded.config.nodePools.map((p) => p.name),
    ["b"],
  );
  assert.deepEqual(
    loaded.config.nodeClasses.map((c) => c.name),
    ["default"],
  );
  assert.deepEqual(loaded.warnings, []);
});

test("a path given twice is read once", async () => {
  const f = await write("once/p.yaml", provisioner("{}", "once"));
  const loaded = await loadInputs([f, join(dir, "once")], { env: {}, implicitNodeClasses: true });
  assert.equal(loaded.config.nodePools.length, 1);
});

test("missing paths are named in the error", async () => {
  const err = await rejection(loadInputs([join(dir, "nope.yaml"), dir, join(dir, "gone")]));
  assert.ok(err instanceof InputNotFoundError);
  assert.equal(
    err.message,
    `${join(dir, "nope.yaml")}: no such file or directory\n${join(dir, "gone")}: no such file or directory`,
  );
});

test("every issue of every file is thrown at once", async () => {
  const a = await write("bad/a.yaml", provisioner("{weight: 0}"));
  const b = await write(
    "bad/b.yaml",
    `${deployment("{containers: [{name: a, resources: {requests: {cpu: lots}}}]}")}---\nkind: Service\napiVersion: v1\nmetadata: {name: s}\n`,
  );
  const err = await rejection(loadInputs([join(dir, "bad")], { env: {} }));
  assert.deepEqual(err.message.split("\n"), [
    `${a}: Provisioner "default": spec.weight: 0 is not between 1 and 100`,
    `${b}: Deployment "web": spec.template.spec.containers[0].resources.requests.cpu: "lots" is not a valid quantity (e.g. 500m, 2, 1.5Gi, 512Mi)`,
    `${b}: Service "s": kind Service is not supported by stevedore plan`,
  ]);
  assert.equal(err.issues.length, 3);
});

test("a missing node class: issue by default, assumed AL2023 class with a warning for plan", async () => {
  const f = await write("ref/pool.yaml", nodePool("", "", "gpu").replace("name: default}", "name: gpu-class}"));
  const err = await rejection(loadInputs([f], { env: {} }));
  assert.deepEqual(err.issues, [
    {
      file: f,
      kind: "NodePool",
      name: "gpu",
      path: "spec.template.spec.nodeClassRef.name",
      message: 'node class "gpu-class" was not found (no AWSNodeTemplate or EC2NodeClass has this name)',
    },
  ]);
  const loaded = await loadInputs([f], { env: {}, implicitNodeClasses: true });
  assert.deepEqual(loaded.warnings, [
    `${f}: NodePool "gpu": spec.template.spec.nodeClassRef.name: node class "gpu-class" was not found; assuming a default AL2023 node class`,
  ]);
  const nc = loaded.config.nodeClasses[0];
  assert.equal(nc.name, "gpu-class");
  assert.equal(nc.amiFamily, "AL2023");
  assert.equal(nc.flavor, "v1");
  assert.equal(nc.metadataOptions.httpPutResponseHopLimit, 1);
});

test("duplicate pool and class names across files are issues", async () => {
  const a = await write("dup/a.yaml", `${provisioner("{}", "web")}---\n${ec2NodeClass("", "default")}`);
  const b = await write("dup/b.yaml", `${nodePool("", "", "web")}---\n${ec2NodeClass("", "default")}`);
  const err = await rejection(loadInputs([join(dir, "dup")], { env: {} }));
  assert.deepEqual(err.message.split("\n"), [
    `${b}: NodePool "web": metadata.name: "web" is already used by Provisioner "web" in ${a} (pool names must be unique)`,
    `${b}: EC2NodeClass "default": metadata.name: "default" is already used by EC2NodeClass "default" in ${a} (node class names must be unique)`,
  ]);
});

test("a reference to an invalid node class is not reported a second time as missing", async () => {
  const f = await write(
    "badclass/c.yaml",
    `${provisioner("{}")}---\napiVersion: karpenter.k8s.aws/v1alpha1\nkind: AWSNodeTemplate\nmetadata: {name: default}\nspec: {subnetSelector: {a: b}}\n`,
  );
  const err = await rejection(loadInputs([f], { env: {} }));
  assert.deepEqual(err.message, `${f}: AWSNodeTemplate "default": spec.securityGroupSelector: is required`);
});

test("duplicate pods are issues", async () => {
  const pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a}]}\n";
  const f = await write("duppod/p.yaml", `${pod}---\n${pod}`);
  const err = await rejection(loadInputs([f], { env: {} }));
  assert.deepEqual(err.message, `${f}: Pod "p": metadata.name: Pod default/p is already defined in ${f}`);
});

test("the shipped examples load for plan", async () => {
  const loaded = await loadInputs([join(ROOT, "examples")], {
    env: { CLUSTER_NAME: "demo" },
    implicitNodeClasses: true,
  });
  assert.deepEqual(
    loaded.config.nodePools.map((p) => `${p.name}:${p.source.apiVersion}`),
    [
      "default:karpenter.sh/v1alpha5",
      "on-demand:karpenter.sh/v1alpha5",
      "example-provisioner:karpenter.sh/v1alpha1",
      "gpu:karpenter.sh/v1",
    ],
  );
  assert.deepEqual(
    loaded.config.nodeClasses.map((c) => `${c.name}:${c.amiFamily}`),
    ["default:AL2", "gpu:AL2023"],
  );
  const byOwner = new Map<string, number>();
  for (const p of loaded.pendingPods) {
    const o = p.metadata.ownerReferences?.[0];
    byOwner.set(`${o?.kind}/${o?.name}`, (byOwner.get(`${o?.kind}/${o?.name}`) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(byOwner), {
    "Job/nightly-report": 4,
    "StatefulSet/cache": 3,
    "Job/train": 2,
    "Deployment/web": 6,
  });
  assert.deepEqual(
    loaded.daemonSets.map((d) => d.metadata.name),
    ["log-agent"],
  );
  assert.deepEqual(
    loaded.pdbs.map((p) => p.metadata.name),
    ["web"],
  );
  const gpu = loaded.config.nodePools[3];
  assert.deepEqual(gpu.taints, [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }]);
  assert.equal(loaded.config.nodeClasses[1].role, "KarpenterNodeRole-demo");
  assert.deepEqual(loaded.warnings.length, 1, "only the v1alpha1 deprecation remains when CLUSTER_NAME is set");
});

test("without CLUSTER_NAME the examples still load, with one warning per placeholder", async () => {
  const loaded = await loadInputs([join(ROOT, "examples")], { env: {} });
  assert.equal(loaded.warnings.filter((w) => w.includes("${CLUSTER_NAME} is not set")).length, 5);
});

test("parseConfigDocuments reads config kinds and skips others with a warning", () => {
  const r = parseConfigDocuments(
    `${provisioner("{}")}---\n${deployment("{containers: [{name: a}]}")}`,
    "ssm:/stevedore/config",
  );
  assert.equal(r.nodePools.length, 1);
  assert.deepEqual(r.issues, []);
  assert.deepEqual(
    r.warnings.filter((w) => w.includes("skipped")),
    [
      'ssm:/stevedore/config: Deployment "web": skipped: kind Deployment is not Karpenter configuration (read: Provisioner, AWSNodeTemplate, NodePool and EC2NodeClass)',
    ],
  );
});

test("buildConfig throws for broken references and returns the config otherwise", () => {
  const r = parseConfigDocuments(`${provisioner("{}")}---\n${ec2NodeClass("", "other")}`, "c.yaml");
  assert.throws(() => buildConfig(r.nodePools, r.nodeClasses), {
    name: "ConfigValidationError",
    message:
      'c.yaml: Provisioner "default": spec.providerRef.name: node class "default" was not found (no AWSNodeTemplate or EC2NodeClass has this name)',
  });
  const config = buildConfig(r.nodePools, r.nodeClasses, { implicitNodeClasses: true, warnings: ["w"] });
  assert.deepEqual(
    config.nodeClasses.map((c) => [c.name, c.source.file, c.flavor, c.metadataOptions.httpPutResponseHopLimit]),
    [
      ["other", "c.yaml", "v1", 1],
      ["default", "(implicit)", "v1alpha5", 2],
    ],
  );
  assert.equal(config.warnings.length, 2);
});
