/**
 * Invalid documents, each with the exact issues it must produce (file, object, field path, rule).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { deployment, issuesOf, nodePool, provisioner } from "./helpers.js";
import { otherCases } from "./invalid-cases-other.js";
import { poolCases } from "./invalid-cases-pools.js";
import { D, NP, OPS, P, pod } from "./invalid-common.js";

const cases = [...poolCases, ...otherCases];

test("the invalid corpus has at least 45 documents", () => {
  assert.ok(cases.length >= 45, `only ${cases.length} cases`);
});

for (const tc of cases) {
  test(`invalid: ${tc.name}`, () => {
    assert.deepEqual(issuesOf(tc.doc), tc.issues);
  });
}

test("the example from the issue is reported exactly", () => {
  const doc = provisioner(
    "{requirements: [{key: karpenter.sh/capacity-type, operator: In, values: [spot]}, {key: kubernetes.io/arch, operator: Within, values: [amd64]}]}",
  );
  assert.deepEqual(issuesOf(doc, "provisioners.yaml"), [
    'provisioners.yaml: Provisioner "default": spec.requirements[1].operator: "Within" is not one of In, NotIn, Exists, DoesNotExist, Gt, Lt',
  ]);
});

test("every problem of a document is reported at once", () => {
  const doc = provisioner(
    "{weight: 0, ttlSecondsAfterEmpty: -5, requirements: [{key: kubernetes.io/arch, operator: Within}]}",
  );
  assert.deepEqual(issuesOf(doc), [
    `${P}spec.requirements[0].operator: "Within" is not one of ${OPS}`,
    `${P}spec.weight: 0 is not between 1 and 100`,
    `${P}spec.ttlSecondsAfterEmpty: -5 must be at least 0`,
  ]);
});

test("problems of several documents are all reported", () => {
  const text = [provisioner("{weight: 0}"), nodePool("expireAfter: soon"), deployment(pod("priority: high"))].join(
    "---\n",
  );
  assert.deepEqual(issuesOf(text), [
    `${P}spec.weight: 0 is not between 1 and 100`,
    `${NP}spec.template.spec.expireAfter: "soon" is not a duration (e.g. 30s, 10m, 720h, or Never)`,
    `${D}spec.template.spec.priority: must be an integer (got a string)`,
  ]);
});
