// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} placeholders are what these tests are about
import assert from "node:assert/strict";
import { test } from "node:test";
import { findPlaceholders, parseDocuments, substituteEnv } from "../../lib/api/index.js";
import { deployment, nodeTemplate } from "./helpers.js";

test("substituteEnv replaces set variables, applies :- defaults and keeps unset placeholders", () => {
  assert.equal(
    substituteEnv("a ${A} b ${B} c ${C:-fallback} d ${A:-x}", { A: "1", B: undefined }),
    "a 1 b ${B} c fallback d 1",
  );
  assert.equal(substituteEnv("${E:-d}", { E: "" }), "d");
  assert.equal(substituteEnv("${E}", { E: "" }), "");
  assert.equal(substituteEnv("$A {A} ${1X}", { A: "v" }), "$A {A} ${1X}");
});

test("placeholders are substituted before parsing, so they can stand for numbers", () => {
  const r = parseDocuments(
    deployment("{containers: [{name: web}]}", "web", "${REPLICAS}" as unknown as number),
    "d.yaml",
    {
      env: { REPLICAS: "3" },
    },
  );
  assert.deepEqual(r.issues, []);
  assert.equal(r.pendingPods.length, 3);
  assert.deepEqual(r.warnings, []);
});

test("a set variable fills the AWSNodeTemplate selector", () => {
  const r = parseDocuments(
    nodeTemplate("{subnetSelector: {cluster: ${CLUSTER_NAME}}, securityGroupSelector: {cluster: ${CLUSTER_NAME}}}"),
    "t.yaml",
    { env: { CLUSTER_NAME: "prod" } },
  );
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.nodeClasses[0].subnetSelectorTerms, [{ tags: { cluster: "prod" } }]);
  assert.deepEqual(r.warnings, []);
});

test("an unset variable stays, with a warning naming the variable and the field, and does not stop parsing", () => {
  const r = parseDocuments(
    nodeTemplate(
      "{subnetSelector: {alpha.eksctl.io/cluster-name: ${CLUSTER_NAME}}, securityGroupSelector: {a: b}, tags: {Owner: ${OWNER}}}",
    ),
    "nodes.yaml",
    { env: {} },
  );
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.nodeClasses[0].subnetSelectorTerms, [
    { tags: { "alpha.eksctl.io/cluster-name": "${CLUSTER_NAME}" } },
  ]);
  assert.deepEqual(r.warnings, [
    'nodes.yaml: AWSNodeTemplate "default": spec.subnetSelector[alpha.eksctl.io/cluster-name]: ${CLUSTER_NAME} is not set in the environment; the placeholder is kept as written',
    'nodes.yaml: AWSNodeTemplate "default": spec.tags.Owner: ${OWNER} is not set in the environment; the placeholder is kept as written',
  ]);
});

test("unset placeholders in flow collections still parse", () => {
  const r = parseDocuments(
    nodeTemplate(
      "{subnetSelector: {aws-ids: ${SUBNETS}}, securityGroupSelector: {team: ${TEAM:-web}}, tags: {a: [${X}]}}",
    ),
    "t.yaml",
    { env: {} },
  );
  assert.deepEqual(
    r.issues.map((i) => `${i.path}: ${i.message}`),
    [
      'spec.subnetSelector.aws-ids: "${SUBNETS}" is not an ID like subnet-0abc',
      "spec.tags.a: must be a string (got a list); quote it",
    ],
  );
  assert.equal(r.warnings.length, 2);
});

test("findPlaceholders walks lists and maps", () => {
  assert.deepEqual(findPlaceholders({ a: ["x", "${V1} and ${V2}"], "b.c": { d: "${V3}" } }), [
    { variable: "V1", path: "a[1]" },
    { variable: "V2", path: "a[1]" },
    { variable: "V3", path: "b.c.d" },
  ]);
});
