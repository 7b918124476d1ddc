/**
 * The deployed mode end to end, through the shipped bundles: the assembly's functions run in their own processes
 * against dynalite, the AWS emulator and the fake kube-apiserver, through the IAM-enforcing gateway.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { DEFAULT_PENDING_GRACE_MS } from "../../../lib/controllers/recovery.js";
import { REPO_ROOT } from "../../../lib/infra/lambda-entries.js";
import { type DeployedReport, DeployedRunOptionError, runDeployed } from "../../../lib/twin/deployed/deployed-run.js";
import type { ClusterAccessModel } from "../../../lib/twin/deployed/kube-identities.js";
import type { DeployedStackModel } from "../../../lib/twin/deployed/template-model.js";
import { loadScenario } from "../../../lib/twin/scenario.js";
import { CLUSTER, REGION } from "../../support/controller-harness.js";
import { buildTestAssembly } from "../../support/deployed-assembly.js";
import { type DeployedWorld, deployedModel, deployedWorld } from "../../support/deployed-world.js";
import { localDynamoClient } from "../../support/dynalite.js";

let assembly: string;
const scratch = mkdtempSync(join(tmpdir(), "stevedore-deployed-test-"));

before(async () => {
  assembly = await buildTestAssembly({ clusterName: CLUSTER, region: REGION, loopSeconds: "5" });
});
after(() => {
  rmSync(assembly, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

const model = () => deployedModel(assembly);
type World = DeployedWorld;

function world(
  m: DeployedStackModel = model(),
  timeoutMs?: number,
  clusterAccess?: (read: ClusterAccessModel) => ClusterAccessModel,
): Promise<World> {
  return deployedWorld(assembly, m, {
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(clusterAccess ? { clusterAccess } : {}),
  });
}

describe("deployed mode", () => {
  test("the template stands up: table, queues with DLQ, rules, functions, mapping; the rest is listed", () => {
    const m = model();
    assert.deepEqual([m.table?.partitionKey, m.table?.sortKey, m.table?.ttlAttribute], ["pk", "sk", "ttl"]);
    const queue = m.queues.find((q) => q.redrive);
    assert.equal(queue?.redrive?.maxReceiveCount, 3);
    assert.ok(m.queues.some((q) => q.arn === queue?.redrive?.deadLetterArn));
    const scheduleOf = (name: string) =>
      m.rules.find((r) => r.schedule && r.targets.some((t) => t.arn === m.functions.find((f) => f.name === name)?.arn))
        ?.schedule;
    assert.deepEqual(["provisioner", "disruptor", "garbageCollector", "watcher"].map(scheduleOf), [
      "rate(1 minute)",
      "rate(1 minute)",
      "rate(2 minutes)",
      "rate(1 minute)",
    ]);
    const provisioner = m.functions.find((f) => f.name === "provisioner");
    const watcher = m.functions.find((f) => f.name === "watcher");
    assert.deepEqual(
      [
        watcher?.timeoutSeconds,
        watcher?.memoryMb,
        watcher?.reservedConcurrency,
        watcher?.maxRetryAttempts,
        watcher?.maxEventAgeSeconds,
        watcher?.environment.STEVEDORE_WATCH_SECONDS,
      ],
      [80, 128, 2, 0, 60, "62"],
    );
    assert.equal(provisioner?.arn.endsWith(`:function:${watcher?.environment.STEVEDORE_PROVISIONER_FUNCTION}`), true);
    assert.deepEqual(
      [
        provisioner?.timeoutSeconds,
        provisioner?.memoryMb,
        provisioner?.reservedConcurrency,
        provisioner?.maxRetryAttempts,
      ],
      [25, 1024, 1, 0],
    );
    assert.equal(m.eventSourceMappings[0]?.reportBatchItemFailures, true);
    const unmodelled = new Set(m.unmodelled.map((u) => u.type));
    for (const t of ["AWS::CloudWatch::Alarm", "AWS::EKS::AccessEntry", "AWS::Logs::LogGroup"])
      assert.ok(unmodelled.has(t), t);
  });

  test("a pending pod: the provisioner bundle launches it, every call authorized by the controller role", async () => {
    const w = await world();
    try {
      w.h.pod("web-0", { cpu: "1" });
      const r = await w.stack.invokeScheduled("provisioner");
      assert.equal(r.status, "ok", JSON.stringify(r) + w.output.join("\n"));
      assert.deepEqual(w.stack.iam.denials, []);
      assert.deepEqual(w.stack.kubeGateway.denials, [], "the stack's ClusterRole covers what the provisioner does");
      assert.equal(w.h.liveInstances().length, 1);
      const [instance] = w.h.liveInstances();
      assert.ok(instance && w.stack.mayJoin(instance, w.h.aws.emulator), "the node role has node access");
      const m = w.stack.lambda.metrics().provisioner;
      assert.deepEqual([m.invocations, m.coldStarts, m.timeouts], [1, 1, 0]);
    } finally {
      await w.close();
    }
  });

  test("the watcher's trigger: the controller role invokes the provisioner synchronously; it answers once it launched", async () => {
    const w = await world();
    try {
      const m = w.stack.model;
      const watcher = m.functions.find((f) => f.name === "watcher");
      const nodeRole = m.roles.find((r) => r.logicalId.startsWith("NodeRole"));
      assert.ok(watcher && nodeRole);
      const clientAs = (roleArn: string) => {
        const key = w.stack.gateway.credentialsFor(roleArn);
        return new LambdaClient({
          endpoint: w.stack.gateway.endpoint,
          region: REGION,
          maxAttempts: 1,
          credentials: { accessKeyId: key.AWS_ACCESS_KEY_ID, secretAccessKey: key.AWS_SECRET_ACCESS_KEY },
        });
      };
      const trigger = new InvokeCommand({
        FunctionName: watcher.environment.STEVEDORE_PROVISIONER_FUNCTION,
        InvocationType: "RequestResponse",
        Payload: new TextEncoder().encode(JSON.stringify({ source: "stevedore.watcher", reason: "pods", count: 1 })),
      });
      await assert.rejects(clientAs(nodeRole.arn).send(trigger), { name: "AccessDeniedException" });
      w.stack.iam.denials.length = 0;
      w.h.pod("web-0", { cpu: "1" });
      const r = await clientAs(watcher.roleArn).send(trigger);
      assert.deepEqual([r.StatusCode, r.FunctionError], [200, undefined], w.output.slice(-20).join("\n"));
      assert.deepEqual(w.stack.iam.denials, []);
      assert.equal(w.stack.lambda.metrics().provisioner.invocations, 1, w.output.slice(-20).join("\n"));
      assert.equal(w.h.liveInstances().length, 1);
    } finally {
      await w.close();
    }
  });

  test("a policy without ec2:CreateFleet: the launch is denied, recorded as a failed launch, nothing launched", async () => {
    const m = model();
    for (const role of m.roles) {
      for (const policy of role.policies) {
        policy.document.Statement = policy.document.Statement.map((st) => ({
          ...st,
          Action: [st.Action].flat().filter((a) => a !== "ec2:CreateFleet"),
        })).filter((st) => (st.Action as string[]).length > 0);
      }
    }
    const w = await world(m);
    try {
      w.h.pod("web-0", { cpu: "1" });
      const r = await w.stack.invokeScheduled("provisioner");
      assert.equal(r.status, "ok", "a denial is a failed launch, not a crash");
      assert.ok(w.stack.iam.denials.some((d) => d.check.action === "ec2:CreateFleet"));
      const fleet = w.stack.gateway.calls.get("ec2:CreateFleet");
      assert.ok(fleet && fleet.denied >= 1 && fleet.denied === fleet.total, JSON.stringify(fleet));
      assert.equal(w.h.liveInstances().length, 0);
      const claims = await w.state.listClaims({ includeTerminated: true });
      assert.ok(claims.length >= 1 && claims.every((c) => c.state === "Terminated"), "each denied claim is closed");
      const decisions = await w.state.listDecisions(Date.now() - 3_600_000);
      assert.ok(
        decisions.some((d) => d.action === "launch-failed" && d.details.errorClass === "UnauthorizedError"),
        JSON.stringify(decisions),
      );
      // The metric, as CloudWatch would read it from the function's log (embedded metric format).
      const metrics = w.output
        .map((line) => line.slice(line.indexOf(": ") + 2))
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((m) => m._aws !== undefined && m.LaunchFailures !== undefined);
      assert.ok(
        metrics.some((m) => m.errorClass === "UnauthorizedError" && (m.LaunchFailures as number) >= 1),
        "a LaunchFailures metric with errorClass UnauthorizedError",
      );
    } finally {
      await w.close();
    }
  });

  test("a ClusterRole without pods list: the apiserver forbids it and nothing is launched", async () => {
    const w = await world(model(), undefined, (read) => ({
      ...read,
      roles: read.roles.map((r) => ({
        ...r,
        rules: r.rules.map((rule) =>
          rule.resources.includes("pods") ? { ...rule, verbs: rule.verbs.filter((v) => v !== "list") } : rule,
        ),
      })),
    }));
    try {
      w.h.pod("web-0", { cpu: "1" });
      await w.stack.invokeScheduled("provisioner");
      assert.ok(
        w.stack.kubeGateway.denials.some((d) => d.verb === "list" && d.resource === "pods"),
        JSON.stringify(w.stack.kubeGateway.denials),
      );
      assert.equal(w.h.liveInstances().length, 0);
    } finally {
      await w.close();
    }
  });

  test("a ClusterRole without pods/eviction: the drain is forbidden and the node is not terminated with its pod", async () => {
    const w = await world(model(), undefined, (read) => ({
      ...read,
      roles: read.roles.map((r) => ({
        ...r,
        rules: r.rules.filter((rule) => !rule.resources.includes("pods/eviction")),
      })),
    }));
    try {
      w.h.pod("web-0", { cpu: "1" });
      assert.equal((await w.stack.invokeScheduled("provisioner")).status, "ok");
      w.h.advance(10_000); // the kubelet joins
      assert.equal((await w.stack.invokeScheduled("provisioner")).status, "ok"); // registration
      w.h.settle();
      const [claim] = await w.state.listClaims();
      assert.ok(claim?.nodeName && w.h.pods().find((p) => p.metadata.name === "web-0")?.spec.nodeName);
      // The node is to be drained (as an expiry would mark it), with a deadline far away.
      await w.state.updateClaim(claim, {
        state: "Draining",
        disruptionReason: "Expired",
        drainDeadline: Date.now() + 3_600_000,
      });
      await w.stack.invokeScheduled("disruptor");
      assert.ok(
        w.stack.kubeGateway.denials.some((d) => d.resource === "pods/eviction"),
        JSON.stringify(w.stack.kubeGateway.denials),
      );
      assert.equal(w.h.liveInstances().length, 1, "not terminated while its pod is still on it");
      assert.ok(w.h.pods().find((p) => p.metadata.name === "web-0")?.spec.nodeName, "the pod is still running");
    } finally {
      await w.close();
    }
  });

  test("a missing environment variable fails the cold start, naming it", async () => {
    const m = model();
    const provisioner = m.functions.find((f) => f.name === "provisioner");
    if (provisioner) delete provisioner.environment.STEVEDORE_INSTANCE_PROFILE;
    const w = await world(m);
    try {
      const r = await w.stack.invokeScheduled("provisioner");
      assert.equal(r.status, "error");
      assert.match(r.status === "error" ? (r.error?.message ?? "") : "", /STEVEDORE_INSTANCE_PROFILE/);
    } finally {
      await w.close();
    }
  });

  test("a timeout in the middle of a launch: the lease stays held, a later invocation adopts the instance", async () => {
    const w = await world();
    try {
      w.h.pod("web-0", { cpu: "1" });
      w.stack.gateway.holdResponses("ec2:CreateFleet");
      const killed = await w.stack.invokeScheduled("provisioner");
      assert.equal(killed.status, "timeout");
      assert.equal(w.h.liveInstances().length, 1, "CreateFleet took effect before the kill");
      assert.equal(await w.state.acquireLease("provisioner", "probe", 1000, Date.now()), undefined, "still held");
      w.stack.gateway.releaseResponses("ec2:CreateFleet");
      const blocked = await w.stack.invokeScheduled("provisioner");
      assert.equal(blocked.status, "ok");
      assert.equal(w.h.liveInstances().length, 1);
      // The lease's TTL runs out (instead of waiting 35 s for it), and the claim's pending grace passes (recovery
      // leaves a Pending claim alone for 30 s after its last update, so it never races a live launch).
      const [pending] = await w.state.listClaims();
      assert.equal(pending?.state, "Pending");
      await new Promise((r) =>
        setTimeout(r, Math.max(0, (pending?.updatedAt ?? 0) + DEFAULT_PENDING_GRACE_MS - Date.now())),
      );
      await localDynamoClient(w.h.dynalite.endpoint).send(
        new UpdateItemCommand({
          TableName: w.stack.model.table?.name,
          Key: { pk: { S: "LEASE" }, sk: { S: "provisioner" } },
          UpdateExpression: "SET expiresAt = :past",
          ExpressionAttributeValues: { ":past": { N: String(Date.now() - 1) } },
        }),
      );
      const recovered = await w.stack.invokeScheduled("provisioner");
      assert.equal(recovered.status, "ok", w.output.slice(-20).join("\n"));
      const live = w.h.liveInstances();
      assert.equal(live.length, 1, "no duplicate instance");
      const claims = await w.state.listClaims();
      assert.equal(claims.length, 1);
      assert.equal(claims[0]?.instanceId, live[0]?.instanceId);
      assert.notEqual(claims[0]?.state, "Pending");
      const m = w.stack.lambda.metrics().provisioner;
      assert.deepEqual([m.invocations, m.timeouts, m.coldStarts], [3, 1, 2]);
    } finally {
      await w.close();
    }
  });

  test("a bad quiet tail or daily pattern is refused naming the option, before anything runs", async () => {
    const scenario = await loadScenario(join(REPO_ROOT, "scenarios/default.yaml"));
    for (const [opts, option] of [
      [{ quietMinutes: -1 }, "quietMinutes"],
      [{ burstsPerDay: Number.NaN }, "burstsPerDay"],
    ] as const) {
      await assert.rejects(
        runDeployed({ scenario, assemblyDir: "/nonexistent", ...opts }),
        (err) => err instanceof DeployedRunOptionError && err.message.startsWith(`${option}: expected a number ≥ 0`),
      );
    }
  });

  test("simulate --deployed: three virtual minutes of the default scenario on the virtual clock, judged clean", async () => {
    const scenario = await loadScenario(join(REPO_ROOT, "scenarios/default.yaml"));
    // The assembly was synthesized for the harness's cluster name; the scenario's discovery tags follow it.
    const config = scenario.config
      .replaceAll("karpenter.sh/discovery: twin", `karpenter.sh/discovery: ${CLUSTER}`)
      .replaceAll("StevedoreNodeRole-twin", `StevedoreNodeRole-${CLUSTER}`);
    const report = await runDeployed({
      scenario: { ...scenario, clusterName: CLUSTER, config, controllers: { ...scenario.controllers, loopSeconds: 5 } },
      assemblyDir: assembly,
      minutes: 3,
      quietMinutes: 2,
      burstsPerDay: 4,
    });
    assert.ok(report.virtualMinutes >= 3, "the bundles ran on the virtual clock");
    assert.ok((report.lambda.provisioner?.invocations ?? 0) >= 2);
    assert.ok((report.lambda.garbageCollector?.invocations ?? 0) >= 1, "rate(2 minutes)");
    assert.ok((report.lambda.watcher?.invocations ?? 0) >= 2, "the watcher's rule fires every virtual minute");
    for (const [fn, m] of Object.entries(report.lambda)) assert.deepEqual([fn, m.errors, m.timeouts], [fn, 0, 0]);
    assert.ok((report.lambda.provisioner?.gbSeconds ?? 0) > 0);
    assertDailyPatternBill(report);
    const cost = report.controllerCost;
    assert.deepEqual(cost.notPriced, []);
    // Each function's largest invocation against its limits: a real heap and CPU time, within the memory.
    const provisioner = report.headroom.provisioner;
    assert.ok(provisioner && provisioner.invocations === report.lambda.provisioner?.invocations);
    assert.ok(provisioner.heapMbMax > 0 && provisioner.heapMbMax < provisioner.memoryMb, JSON.stringify(provisioner));
    assert.ok(provisioner.cpuMsMax > 0 && provisioner.timeoutMs > 0, JSON.stringify(provisioner));
    // The requests the bill reads were measured: the provisioner's claims cost write units, the bill says so.
    assert.ok(report.requests.dynamodb.writeUnits > 0 && report.requests.dynamodb.readUnits > 0);
    assert.ok(Object.keys(report.requests.dynamodb.byCall).some((k) => k.includes("PutItem CLAIM")));
    assert.ok((report.requests.logBytes.provisioner ?? 0) > 0);
    assert.equal(cost.lines.find((l) => l.item === "write request units")?.basis, "measured");
    assert.ok(cost.scenarioUsd > 0 && cost.scenarioUsd < cost.monthlyUsd, `${cost.scenarioUsd}`);
    assert.equal(cost.scenarioMinutes, Math.round(report.virtualMinutes));
    assert.deepEqual(report.iam.denials, []);
    assert.ok(report.cluster.liveInstances > 0, "the burst got capacity");
    assert.equal(report.cluster.withoutNodeAccess, 0, "the stack's node role has node access");
    assert.ok(report.cluster.nodes > 0, "their kubelets joined");
    assert.equal(report.iam.calls["ec2:CreateFleet"]?.denied, 0);
    assert.ok(report.stack.unmodelled.some((u) => u.type === "AWS::CloudWatch::Alarm"));
    assert.deepEqual(report.invariants, {
      duplicateLaunches: 0,
      leakedInstances: 0,
      podsEvictedTwice: 0,
      strandedPods: 0,
      violations: 0,
    });
    assert.ok((report.decisionKinds["provisioner.launch"] ?? 0) > 0, JSON.stringify(report.decisionKinds));
    // Lean observability (the default) still publishes the decision latency, which the report reads from EMF.
    assert.ok(report.latency.decisionP50Ms > 0, JSON.stringify(report.latency));
  });
});

/**
 * The quiet tail ran (the always-on functions kept being invoked in it) and the month is the daily pattern of the two
 * measured windows: the scenario 4 times a day, the tail's rate the rest of the month (730 h = 43,800 min).
 */
function assertDailyPatternBill(report: DeployedReport): void {
  const tail = report.quietTail;
  assert.ok(tail.minutes >= 2, `tail of ${tail.minutes} min`);
  // The scenario winds down first: the tail starts once no instance was launched or ended for 3 minutes.
  assert.ok(tail.windDownMinutes >= 3, `wind-down of ${tail.windDownMinutes} min`);
  // ... and until the GC had deleted the scenario's closed claims: the tail collects nothing.
  const collected = Object.keys(tail.dynamodbByCall).filter((call) => call.includes("DeleteItem CLAIM"));
  assert.deepEqual(collected, [], JSON.stringify(tail.dynamodbByCall));
  assert.ok((tail.lambda.watcher?.invocations ?? 0) > 0, "the watcher's rule fires in the tail");
  assert.ok((tail.lambda.watcher?.gbSeconds ?? 0) > 0);
  assert.ok((tail.requests.dynamoReadUnits ?? 0) > 0, "the idle passes read the table");
  // The tail's units by call add up to the tail's measured totals.
  const byCall = Object.values(tail.dynamodbByCall);
  const sum = (key: "readUnits" | "writeUnits") => byCall.reduce((n, u) => n + u[key], 0);
  assert.ok(Math.abs(sum("readUnits") - (tail.requests.dynamoReadUnits ?? 0)) < 0.01, JSON.stringify(tail));
  assert.ok(Math.abs(sum("writeUnits") - (tail.requests.dynamoWriteUnits ?? 0)) < 0.01, JSON.stringify(tail));
  const cost = report.controllerCost;
  assert.deepEqual([cost.burstsPerDay, cost.quietMinutes], [4, tail.minutes]);
  const bursts = 4 * (730 / 24);
  const rest = (43_800 - bursts * tail.startsAtMinute) / tail.minutes;
  for (const [fn, match] of [
    ["watcher", "Watcher"],
    ["provisioner", "Provisioner"],
  ] as const) {
    const whole = report.lambda[fn]?.gbSeconds ?? 0;
    const quiet = tail.lambda[fn]?.gbSeconds ?? 0;
    const expected = (whole - quiet) * bursts + quiet * rest;
    const month = Object.entries(cost.byFunction).find(([id]) => id.includes(match))?.[1];
    // The report's minutes and GB-s are rounded: 1% covers it.
    assert.ok(
      Math.abs((month?.gbSeconds ?? 0) - expected) <= 1 + expected * 0.01,
      `${fn}: ${month?.gbSeconds} vs ${expected}`,
    );
  }
  const writes = cost.lines.find((l) => l.item === "write request units")?.quantity ?? 0;
  const expectedWrites = report.requests.dynamodb.writeUnits * bursts + (tail.requests.dynamoWriteUnits ?? 0) * rest;
  assert.ok(Math.abs(writes - expectedWrites) <= 1 + expectedWrites * 0.01, `WRU ${writes} vs ${expectedWrites}`);
  assert.ok(cost.monthlyUsd > 0 && cost.byService.Lambda > 0);
  assert.ok(cost.quietMonthlyUsd !== undefined && cost.quietMonthlyUsd > 0);
  // The month mixes the two rates, so it lies between the scenario all month and the tail all month — except the
  // metric series, priced from the month's launches spread at random over its hours (more hours than bursts touch).
  const [low, high] = [cost.backToBackMonthlyUsd, cost.quietMonthlyUsd].sort((a, b) => a - b);
  const series = cost.lines.find((l) => l.item === "custom metrics (EMF)")?.usd ?? 0;
  assert.ok(
    cost.monthlyUsd >= low - 0.01 && cost.monthlyUsd <= high + series + 0.01,
    `${low} ≤ ${cost.monthlyUsd} ≤ ${high} + ${series}`,
  );
  assert.match(cost.basis, /4 time\(s\) a day/);
}
