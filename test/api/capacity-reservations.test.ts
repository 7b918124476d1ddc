import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDocuments } from "../../lib/api/index.js";
import { ec2NodeClass } from "./helpers.js";

test("EC2NodeClass capacityReservationSelectorTerms: id, tags and ownerID are read; the hash (drift) stays", () => {
  const plain = parseDocuments(ec2NodeClass(""), "t.yaml", { env: {} });
  const r = parseDocuments(
    ec2NodeClass("capacityReservationSelectorTerms: [{id: cr-0abc123}, {tags: {team: ml}, ownerID: '111122223333'}]"),
    "t.yaml",
    { env: {} },
  );
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.nodeClasses[0].capacityReservationSelectorTerms, [
    { id: "cr-0abc123" },
    { tags: { team: "ml" }, ownerID: "111122223333" },
  ]);
  assert.equal(plain.nodeClasses[0].capacityReservationSelectorTerms, undefined);
  assert.equal(plain.nodeClasses[0].hash, r.nodeClasses[0].hash);
});

test("EC2NodeClass v1beta1 refuses capacityReservationSelectorTerms with a reason", () => {
  const text = ec2NodeClass("capacityReservationSelectorTerms: [{id: cr-0abc}]").replace(
    "karpenter.k8s.aws/v1\n",
    "karpenter.k8s.aws/v1beta1\n",
  );
  const r = parseDocuments(text, "t.yaml", { env: {} });
  const issue = r.issues.find((i) => i.path === "spec.capacityReservationSelectorTerms");
  assert.equal(
    issue?.message,
    "not supported by Stevedore: capacity reservations in karpenter.k8s.aws/v1beta1 (use v1)",
  );
});
