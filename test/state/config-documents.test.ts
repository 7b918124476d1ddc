import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { splitConfigDocuments, storedKindOfArgument, writtenKindOf } from "../../lib/state/config-documents.js";

const EXAMPLE = readFileSync(new URL("./fixtures/karpenter-getting-started.yaml", import.meta.url), "utf8");

test("config documents: a multi-document file splits into one stored document per object, text preserved", () => {
  const docs = splitConfigDocuments(EXAMPLE);
  assert.deepEqual(
    docs.map((d) => `${d.index}:${d.kind}/${d.writtenKind}/${d.name}`),
    [
      "1:NodePool/Provisioner/default",
      "2:NodeClass/AWSNodeTemplate/default",
      "3:NodePool/Provisioner/on-demand",
      "4:NodePool/Provisioner/example-provisioner",
    ],
  );
  assert.ok(
    docs[1].document.includes("alpha.eksctl.io/cluster-name: $" + "{CLUSTER_NAME}"),
    "placeholders kept as written",
  );
  assert.ok(docs[2].document.startsWith("# Second example"), "comments kept, separator dropped");
  for (const d of docs)
    assert.deepEqual(
      splitConfigDocuments(d.document).map((x) => x.name),
      [d.name],
    );
  assert.deepEqual(writtenKindOf(docs[0].document), {
    writtenKind: "Provisioner",
    apiVersion: "karpenter.sh/v1alpha5",
  });
});

test("config documents: List items, empty documents and other kinds", () => {
  const text = [
    "---",
    "# only a comment",
    "---",
    "apiVersion: v1",
    "kind: List",
    "items:",
    "  - {apiVersion: karpenter.sh/v1, kind: NodePool, metadata: {name: a}, spec: {}}",
    "  - {apiVersion: karpenter.k8s.aws/v1, kind: EC2NodeClass, metadata: {name: b}, spec: {}}",
    "---",
    "apiVersion: v1",
    "kind: Pod",
    "metadata: {name: p}",
  ].join("\n");
  const docs = splitConfigDocuments(text);
  assert.deepEqual(
    docs.map((d) => `${d.kind}/${d.name}`),
    ["NodePool/a", "NodeClass/b"],
  );
  assert.match(docs[0].document, /kind: NodePool/);
});

test("config documents: kind arguments in every accepted spelling", () => {
  for (const k of ["provisioner", "Provisioners", "nodepool", "NodePools", "np", "provisioners.karpenter.sh"]) {
    assert.equal(storedKindOfArgument(k), "NodePool", k);
  }
  for (const k of ["awsnodetemplate", "AWSNodeTemplates", "ec2nodeclass", "ec2nodeclasses", "ec2nc", "nodeclass"]) {
    assert.equal(storedKindOfArgument(k), "NodeClass", k);
  }
  assert.equal(storedKindOfArgument("pod"), undefined);
});
