import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import {
  AwsAuthFormatError,
  mergeMapRoles,
  nodeRoleMapping,
  parseMapRoles,
} from "../../lib/infra/cluster-access/aws-auth.js";
import { cfnResponseBody, MAX_REASON_LENGTH, sendCfnResponse } from "../../lib/infra/cluster-access/cfn-response.js";
import {
  type ClusterAccessEvent,
  FAILED_CREATE_PHYSICAL_ID,
  handleClusterAccessEvent,
  physicalIdFor,
} from "../../lib/infra/cluster-access/handler.js";
import { ClientNodeClusterAccess } from "../../lib/infra/cluster-access/kube-access.js";
import {
  CONTROLLER_CLUSTER_ROLE,
  CONTROLLER_GROUP,
  CONTROLLER_RULES,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  rbacVersion,
} from "../../lib/infra/cluster-access/rbac.js";
import { REPO_ROOT } from "../../lib/infra/lambda-entries.js";
import { FakeKubeApiServer } from "../../lib/twin/kube-apiserver/index.js";

const NODE_ROLE = "arn:aws:iam::123456789012:role/Stevedore-demo-NodeRole";
const CONTROLLER_ROLE = "arn:aws:iam::123456789012:role/Stevedore-demo-ControllerRole";
const OTHER = {
  rolearn: "arn:aws:iam::123456789012:role/managed-ng",
  username: "system:node:{{EC2PrivateDNSName}}",
  groups: ["system:bootstrappers", "system:nodes"],
};
const ADMIN = { rolearn: "arn:aws:iam::123456789012:role/admin", username: "admin", groups: ["system:masters"] };
const controllerMapping = { rolearn: CONTROLLER_ROLE, username: "stevedore-controller", groups: [CONTROLLER_GROUP] };

describe("aws-auth mapRoles merge", () => {
  const existing = `- rolearn: ${OTHER.rolearn}\n  username: system:node:{{EC2PrivateDNSName}}\n  groups:\n    - system:bootstrappers\n    - system:nodes\n- rolearn: ${ADMIN.rolearn}\n  username: admin\n  groups: [system:masters]\n`;

  it("appends Stevedore's entries and keeps every other entry as it was", () => {
    const merged = mergeMapRoles(existing, [nodeRoleMapping(NODE_ROLE), controllerMapping]);
    assert.deepEqual(parse(merged as string), [OTHER, ADMIN, nodeRoleMapping(NODE_ROLE), controllerMapping]);
  });

  it("replaces its own entry in place, and reports no change when nothing changes", () => {
    const once = mergeMapRoles(existing, [nodeRoleMapping(NODE_ROLE)]) as string;
    assert.equal(mergeMapRoles(once, [nodeRoleMapping(NODE_ROLE)]), undefined);
    const changed = mergeMapRoles(once, [{ ...nodeRoleMapping(NODE_ROLE), groups: ["system:nodes"] }]) as string;
    assert.deepEqual(parse(changed)[2], { ...nodeRoleMapping(NODE_ROLE), groups: ["system:nodes"] });
    assert.equal(parse(changed).length, 3);
  });

  it("removes only the named roles", () => {
    const merged = mergeMapRoles(existing, [nodeRoleMapping(NODE_ROLE), controllerMapping]) as string;
    assert.deepEqual(parse(mergeMapRoles(merged, [], [NODE_ROLE, CONTROLLER_ROLE]) as string), [OTHER, ADMIN]);
    assert.equal(mergeMapRoles(existing, [], [NODE_ROLE]), undefined);
    assert.equal(mergeMapRoles(mergeMapRoles(undefined, [controllerMapping]), [], [CONTROLLER_ROLE]), "");
  });

  it("refuses to edit a mapRoles that is not a YAML list of mappings", () => {
    assert.deepEqual(parseMapRoles(""), []);
    assert.throws(() => mergeMapRoles("rolearn: x", [controllerMapping]), AwsAuthFormatError);
    assert.throws(() => mergeMapRoles("- a\n- b", [controllerMapping]), /entry 0 is not a mapping/);
    assert.throws(() => mergeMapRoles("- [unclosed", [controllerMapping]), /not valid YAML/);
  });
});

describe("cluster-access custom resource against a Kubernetes API", () => {
  let server: FakeKubeApiServer;
  const logs: string[] = [];
  const deps = () => ({
    connect: async () => new ClientNodeClusterAccess(server.kubeconfig()),
    sleep: async () => {},
    log: (message: string) => logs.push(message),
    authRetryDelayMs: 0,
  });
  const props = (mode: "aws-auth" | "access-entries", mappings = [nodeRoleMapping(NODE_ROLE), controllerMapping]) => ({
    ClusterName: "demo",
    Mode: mode,
    RoleMappings: mode === "aws-auth" ? mappings : [],
    ControllerGroup: CONTROLLER_GROUP,
    RbacVersion: rbacVersion(),
  });
  const event = (
    RequestType: ClusterAccessEvent["RequestType"],
    ResourceProperties: Record<string, unknown>,
    extra: Partial<ClusterAccessEvent> = {},
  ): ClusterAccessEvent => ({ RequestType, ResourceProperties, ...extra });
  const mapRoles = () =>
    parse(
      (server.store.get("configmaps", "aws-auth", "kube-system")?.data as Record<string, string> | undefined)
        ?.mapRoles ?? "[]",
    );

  before(async () => {
    server = await FakeKubeApiServer.start({ bookmarkIntervalMs: 0 });
  });
  after(() => server.close());

  it("aws-auth mode: merges both roles next to existing entries and applies the RBAC", async () => {
    server.store.create("configmaps", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "aws-auth", namespace: "kube-system", labels: { keep: "me" } },
      data: {
        mapRoles: `- rolearn: ${OTHER.rolearn}\n  username: "${OTHER.username}"\n  groups: [system:bootstrappers, system:nodes]\n`,
        mapUsers: "[]",
      },
    });
    const result = await handleClusterAccessEvent(event("Create", props("aws-auth")), deps());
    assert.deepEqual(result, { status: "SUCCESS", physicalResourceId: physicalIdFor("demo") });
    assert.deepEqual(mapRoles(), [OTHER, nodeRoleMapping(NODE_ROLE), controllerMapping]);
    const cm = server.store.get("configmaps", "aws-auth", "kube-system");
    assert.equal((cm?.data as Record<string, string> | undefined)?.mapUsers, "[]");
    assert.equal(cm?.metadata.labels?.keep, "me");

    const role = server.store.get("clusterroles", CONTROLLER_CLUSTER_ROLE);
    assert.deepEqual(role?.rules, CONTROLLER_RULES);
    assert.equal(role?.metadata.labels?.[MANAGED_BY_LABEL], MANAGED_BY_VALUE);
    const binding = server.store.get("clusterrolebindings", CONTROLLER_CLUSTER_ROLE);
    assert.deepEqual(binding?.subjects, [
      { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: CONTROLLER_GROUP },
    ]);
    assert.equal((binding?.roleRef as { name?: string } | undefined)?.name, CONTROLLER_CLUSTER_ROLE);
  });

  it("grants no access to secrets or config maps; pods are read, nominated, evicted, and deleted only at a drain deadline", () => {
    const resources = CONTROLLER_RULES.flatMap((r) => r.resources);
    assert.ok(!resources.includes("secrets") && !resources.includes("configmaps") && !resources.includes("*"));
    assert.ok(!CONTROLLER_RULES.some((r) => r.verbs.includes("*") || r.apiGroups.includes("*")));
    assert.deepEqual(CONTROLLER_RULES.find((r) => r.resources.includes("pods"))?.verbs, [
      "get",
      "list",
      "watch",
      "delete",
    ]);
    assert.deepEqual(CONTROLLER_RULES.find((r) => r.resources.includes("pods/eviction"))?.verbs, ["create"]);
    // A pod's status is only patched (its nomination), never replaced.
    assert.deepEqual(CONTROLLER_RULES.find((r) => r.resources.includes("pods/status"))?.verbs, ["patch"]);
    for (const workload of ["deployments", "statefulsets", "replicasets", "jobs"])
      assert.ok(!resources.includes(workload));
  });

  it("allows every Kubernetes call the cluster client makes", () => {
    const resources: Record<string, [string, string]> = {
      PodForAllNamespaces: ["", "pods"],
      NamespacedPod: ["", "pods"],
      NamespacedPodEviction: ["", "pods/eviction"],
      NamespacedPodStatus: ["", "pods/status"],
      Node: ["", "nodes"],
      DaemonSetForAllNamespaces: ["apps", "daemonsets"],
      PodDisruptionBudgetForAllNamespaces: ["policy", "poddisruptionbudgets"],
      NamespacedEvent: ["", "events"],
    };
    const verbs: Record<string, string> = {
      list: "list",
      read: "get",
      patch: "patch",
      replace: "update",
      delete: "delete",
      create: "create",
    };
    const text = ["lib/cluster/kube-client.ts", "lib/cluster/event-recorder.ts"]
      .map((f) => readFileSync(join(REPO_ROOT, f), "utf8"))
      .join("\n");
    assert.match(text, /this\.core\.createNamespacedEvent\(/, "the event recorder's calls are scanned too");
    assert.match(text, /this\.core\.patchNamespacedEvent\(/);
    const calls = [...text.matchAll(/this\.(?:core|apps|policy)\.(list|read|patch|replace|delete|create)(\w+)\(/g)];
    assert.ok(calls.length >= 8, "found the client's calls");
    const allowed = (group: string, resource: string, verb: string) =>
      CONTROLLER_RULES.some(
        (r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb),
      );
    for (const [, op, what] of calls) {
      const target = resources[what];
      assert.ok(target, `unmapped client call ${op}${what}`);
      assert.ok(allowed(target[0], target[1], verbs[op]), `${verbs[op]} ${target[1]}`);
    }
    assert.ok(allowed("", "pods", "watch"), "the pod watch");
  });

  it("update is idempotent and a second run changes nothing", async () => {
    const before = server.store.get("configmaps", "aws-auth", "kube-system")?.metadata.resourceVersion;
    const result = await handleClusterAccessEvent(
      event("Update", props("aws-auth"), {
        PhysicalResourceId: physicalIdFor("demo"),
        OldResourceProperties: props("aws-auth"),
      }),
      deps(),
    );
    assert.equal(result.status, "SUCCESS");
    assert.equal(server.store.get("configmaps", "aws-auth", "kube-system")?.metadata.resourceVersion, before);
  });

  it("update to access entries drops the old aws-auth entries (cluster migrated to API)", async () => {
    const result = await handleClusterAccessEvent(
      event("Update", props("access-entries"), {
        PhysicalResourceId: physicalIdFor("demo"),
        OldResourceProperties: props("aws-auth"),
      }),
      deps(),
    );
    assert.equal(result.status, "SUCCESS");
    assert.deepEqual(mapRoles(), [OTHER]);
    await handleClusterAccessEvent(
      event("Update", props("aws-auth"), { PhysicalResourceId: physicalIdFor("demo") }),
      deps(),
    );
  });

  it("retries when aws-auth changes under it (optimistic concurrency), never losing the other writer's entry", async () => {
    let raced = false;
    const kube = new ClientNodeClusterAccess(server.kubeconfig());
    const racing = Object.assign(Object.create(Object.getPrototypeOf(kube)), kube) as ClientNodeClusterAccess;
    racing.readConfigMap = async (ns, name) => {
      const snapshot = await kube.readConfigMap(ns, name);
      if (!raced) {
        raced = true;
        server.store.mutate("configmaps", "aws-auth", "kube-system", (o) => {
          (o.data as Record<string, string>).mapRoles +=
            `- rolearn: ${ADMIN.rolearn}\n  username: admin\n  groups: [system:masters]\n`;
        });
      }
      return snapshot;
    };
    const widened = { ...controllerMapping, groups: [CONTROLLER_GROUP, "extra"] };
    const result = await handleClusterAccessEvent(event("Update", props("aws-auth", [widened])), {
      ...deps(),
      connect: async () => racing,
    });
    assert.equal(result.status, "SUCCESS");
    assert.ok(logs.includes("aws-auth changed while editing; retrying"));
    assert.deepEqual(mapRoles(), [OTHER, nodeRoleMapping(NODE_ROLE), widened, ADMIN]);
  });

  it("delete removes only Stevedore's entries and RBAC objects", async () => {
    const result = await handleClusterAccessEvent(
      event("Delete", props("aws-auth"), { PhysicalResourceId: physicalIdFor("demo") }),
      deps(),
    );
    assert.equal(result.status, "SUCCESS");
    assert.deepEqual(mapRoles(), [OTHER, ADMIN]);
    assert.equal(server.store.get("clusterroles", CONTROLLER_CLUSTER_ROLE), undefined);
    assert.equal(server.store.get("clusterrolebindings", CONTROLLER_CLUSTER_ROLE), undefined);
    assert.ok(server.store.get("configmaps", "aws-auth", "kube-system"), "the ConfigMap itself stays");
  });

  it("access-entries mode touches no aws-auth; delete leaves RBAC it does not manage alone", async () => {
    const before = server.store.get("configmaps", "aws-auth", "kube-system")?.metadata.resourceVersion;
    assert.equal((await handleClusterAccessEvent(event("Create", props("access-entries")), deps())).status, "SUCCESS");
    assert.equal(server.store.get("configmaps", "aws-auth", "kube-system")?.metadata.resourceVersion, before);
    assert.ok(server.store.get("clusterroles", CONTROLLER_CLUSTER_ROLE));
    server.store.mutate("clusterroles", CONTROLLER_CLUSTER_ROLE, undefined, (o) => {
      o.metadata.labels = { owner: "someone-else" };
    });
    await handleClusterAccessEvent(
      event("Delete", props("access-entries"), { PhysicalResourceId: physicalIdFor("demo") }),
      deps(),
    );
    assert.ok(server.store.get("clusterroles", CONTROLLER_CLUSTER_ROLE), "not ours any more: kept");
    const create = await handleClusterAccessEvent(event("Create", props("access-entries")), deps());
    assert.equal(create.status, "FAILED");
    assert.match(create.reason ?? "", /ClusterRole stevedore-controller exists and is not managed by Stevedore/);
    server.store.delete("clusterroles", CONTROLLER_CLUSTER_ROLE);
  });

  it("creates aws-auth when the cluster has none (CONFIG_MAP clusters without managed node groups)", async () => {
    server.store.delete("configmaps", "aws-auth", "kube-system");
    assert.equal((await handleClusterAccessEvent(event("Create", props("aws-auth")), deps())).status, "SUCCESS");
    assert.deepEqual(mapRoles(), [nodeRoleMapping(NODE_ROLE), controllerMapping]);
  });

  it("retries 401/403 while access entries propagate, then gives up with the API's answer", async () => {
    server.failNext(2, 403, { pathIncludes: "clusterroles" });
    const ok = await handleClusterAccessEvent(event("Create", props("access-entries")), deps());
    assert.equal(ok.status, "SUCCESS");
    assert.ok(logs.includes("not authorized yet (access entries propagating); retrying"));
    server.failNext(5, 403, { pathIncludes: "clusterroles" });
    const failed = await handleClusterAccessEvent(event("Create", props("access-entries")), {
      ...deps(),
      authAttempts: 3,
    });
    assert.equal(failed.status, "FAILED");
    assert.equal(failed.physicalResourceId, FAILED_CREATE_PHYSICAL_ID);
    assert.match(failed.reason ?? "", /Kubernetes API answered 403/);
    server.failNext(0);
  });

  it("a failed create's rollback delete does nothing; a vanished cluster has nothing to clean", async () => {
    let connected = false;
    const noCluster = {
      ...deps(),
      connect: async () => {
        connected = true;
        return undefined;
      },
    };
    const rollback = await handleClusterAccessEvent(
      event("Delete", props("aws-auth"), { PhysicalResourceId: FAILED_CREATE_PHYSICAL_ID }),
      noCluster,
    );
    assert.deepEqual(rollback, { status: "SUCCESS", physicalResourceId: FAILED_CREATE_PHYSICAL_ID });
    assert.equal(connected, false);
    const gone = await handleClusterAccessEvent(
      event("Delete", props("aws-auth"), { PhysicalResourceId: physicalIdFor("demo") }),
      noCluster,
    );
    assert.equal(gone.status, "SUCCESS");
    const create = await handleClusterAccessEvent(event("Create", props("aws-auth")), noCluster);
    assert.match(create.reason ?? "", /EKS cluster demo not found/);
  });

  it("malformed properties fail with a reason, not an exception", async () => {
    const result = await handleClusterAccessEvent(event("Create", { ClusterName: "demo", Mode: "magic" }), deps());
    assert.equal(result.status, "FAILED");
    assert.match(result.reason ?? "", /Mode must be access-entries or aws-auth/);
  });
});

describe("CloudFormation response", () => {
  const request = {
    ResponseURL: "",
    StackId: "arn:aws:cloudformation:us-east-1:123456789012:stack/Stevedore-demo/guid",
    RequestId: "req-1",
    LogicalResourceId: "ClusterAccess",
  };

  it("PUTs the answer to the response URL with the fields CloudFormation requires", async () => {
    const received: { method?: string; body: string; contentType?: string }[] = [];
    let failFirst = true;
    const srv = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ method: req.method, body, contentType: req.headers["content-type"] });
        res.statusCode = failFirst ? 503 : 200;
        failFirst = false;
        res.end();
      });
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/presigned?X-Amz-Signature=abc`;
      await sendCfnResponse(
        { ...request, ResponseURL: url },
        { status: "SUCCESS", physicalResourceId: "p-1" },
        { delayMs: 1 },
      );
      assert.equal(received.length, 2, "retried after a 503");
      assert.equal(received[1].method, "PUT");
      assert.equal(received[1].contentType ?? "", "");
      assert.deepEqual(JSON.parse(received[1].body), {
        Status: "SUCCESS",
        Reason: "OK",
        PhysicalResourceId: "p-1",
        StackId: request.StackId,
        RequestId: "req-1",
        LogicalResourceId: "ClusterAccess",
        NoEcho: false,
        Data: {},
      });
    } finally {
      srv.close();
    }
  });

  it("cuts long reasons and names the log stream", () => {
    const body = JSON.parse(
      cfnResponseBody(
        request,
        { status: "FAILED", physicalResourceId: "p", reason: "x".repeat(5000) },
        "2026/01/01/[$LATEST]abc",
      ),
    );
    assert.equal(body.Reason.length, MAX_REASON_LENGTH);
    assert.match(
      JSON.parse(cfnResponseBody(request, { status: "FAILED", physicalResourceId: "p", reason: "boom" }, "stream-1"))
        .Reason,
      /boom \(log stream stream-1\)/,
    );
  });
});
