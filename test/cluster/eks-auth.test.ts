/** EKS token, token provider, client authenticator, DescribeCluster connection and kubeconfig mode. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { EKSClient } from "@aws-sdk/client-eks";
import { eksKubeConfig } from "../../lib/cluster/eks-authenticator.js";
import { connectEksCluster, EksClusterNotFoundError, EksClusterNotReadyError } from "../../lib/cluster/eks-cluster.js";
import { createEksToken, decodeEksToken, EKS_TOKEN_PREFIX, EksTokenProvider } from "../../lib/cluster/eks-token.js";
import { KubeClusterClient } from "../../lib/cluster/kube-client.js";
import { createKubeconfigClusterClient, KubeconfigError } from "../../lib/cluster/kubeconfig.js";
import { RetryableClusterError } from "../../lib/cluster/types.js";
import { eventually, type FakeKube, startFakeKube } from "../support/kube.js";

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };
const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const ALLOWED_QUERY_KEYS = [
  "Action",
  "Version",
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Date",
  "X-Amz-Expires",
  "X-Amz-Security-Token",
  "X-Amz-Signature",
  "X-Amz-SignedHeaders",
];

/** Accepts tokens shaped as aws-iam-authenticator verifies them (for `clusterName`). */
function acceptsEksToken(clusterName: string, seen: string[]) {
  return (token: string) => {
    seen.push(token);
    if (!token.startsWith(EKS_TOKEN_PREFIX) || token.length > 4096) return false;
    const url = decodeEksToken(token);
    return (
      url.protocol === "https:" &&
      url.hostname.startsWith("sts.") &&
      url.searchParams.get("Action") === "GetCallerIdentity" &&
      (url.searchParams.get("X-Amz-SignedHeaders") ?? "").split(";").includes("x-k8s-aws-id") &&
      clusterName.length > 0
    );
  };
}

describe("EKS token", () => {
  it("is k8s-aws-v1. + unpadded base64url of a presigned STS GetCallerIdentity URL signing x-k8s-aws-id", async () => {
    const { token, expiresAt } = await createEksToken({
      clusterName: "prod",
      region: "us-west-2",
      credentials,
      now: T0,
    });
    assert.ok(token.startsWith("k8s-aws-v1."));
    assert.match(token.slice(EKS_TOKEN_PREFIX.length), /^[A-Za-z0-9_-]+$/, "base64url without padding");
    assert.ok(token.length < 4096);
    assert.equal(expiresAt, T0 + 15 * 60_000);
    const url = decodeEksToken(token);
    assert.equal(url.protocol, "https:");
    assert.equal(url.host, "sts.us-west-2.amazonaws.com");
    assert.equal(url.pathname, "/");
    const q = url.searchParams;
    assert.equal(q.get("Action"), "GetCallerIdentity");
    assert.equal(q.get("Version"), "2011-06-15");
    assert.equal(q.get("X-Amz-Algorithm"), "AWS4-HMAC-SHA256");
    assert.equal(q.get("X-Amz-Credential"), "AKIDEXAMPLE/20260101/us-west-2/sts/aws4_request");
    assert.equal(q.get("X-Amz-Date"), "20260101T000000Z");
    assert.equal(q.get("X-Amz-Expires"), "60");
    assert.equal(q.get("X-Amz-SignedHeaders"), "host;x-k8s-aws-id");
    assert.match(q.get("X-Amz-Signature") ?? "", /^[0-9a-f]{64}$/);
    const keys = [...q.keys()];
    assert.equal(new Set(keys).size, keys.length, "no duplicate keys");
    assert.ok(
      keys.every((k) => ALLOWED_QUERY_KEYS.includes(k)),
      `only whitelisted keys: ${keys.join(",")}`,
    );
  });

  it("binds the signature to the cluster name and carries session tokens", async () => {
    const a = await createEksToken({ clusterName: "a", region: "eu-west-1", credentials, now: T0 });
    const again = await createEksToken({ clusterName: "a", region: "eu-west-1", credentials, now: T0 });
    const b = await createEksToken({ clusterName: "b", region: "eu-west-1", credentials, now: T0 });
    assert.equal(a.token, again.token, "deterministic for the same inputs");
    const sig = (t: string) => decodeEksToken(t).searchParams.get("X-Amz-Signature");
    assert.notEqual(sig(a.token), sig(b.token), "x-k8s-aws-id is part of the signature");
    const session = await createEksToken({
      clusterName: "a",
      region: "cn-north-1",
      credentials: async () => ({ ...credentials, sessionToken: "FwoGZXIvYXdzEXAMPLE/+=" }),
      now: T0,
    });
    const url = decodeEksToken(session.token);
    assert.equal(url.host, "sts.cn-north-1.amazonaws.com.cn");
    assert.equal(url.searchParams.get("X-Amz-Security-Token"), "FwoGZXIvYXdzEXAMPLE/+=");
  });

  it("is cached by the provider and re-signed at 14 minutes, not before", async () => {
    let now = T0;
    const provider = new EksTokenProvider({ clusterName: "c", region: "us-east-1", credentials, now: () => now });
    const [first, concurrent] = await Promise.all([provider.getToken(), provider.getToken()]);
    assert.equal(first, concurrent);
    assert.equal(provider.signed, 1);
    now = T0 + 14 * 60_000 - 1_000;
    assert.equal(await provider.getToken(), first);
    assert.equal(provider.signed, 1);
    now = T0 + 14 * 60_000;
    const second = await provider.getToken();
    assert.notEqual(second, first);
    assert.equal(provider.signed, 2);
    assert.equal(decodeEksToken(second).searchParams.get("X-Amz-Date"), "20260101T001400Z");
  });

  it("re-signs a minute before temporary credentials expire", async () => {
    let now = T0;
    let issued = 0;
    const provider = new EksTokenProvider({
      clusterName: "c",
      region: "us-east-1",
      credentials: async () => {
        issued++;
        return { ...credentials, sessionToken: `s${issued}`, expiration: new Date(now + 5 * 60_000) };
      },
      now: () => now,
    });
    const first = await provider.getToken();
    now = T0 + 3 * 60_000;
    assert.equal(await provider.getToken(), first);
    now = T0 + 4 * 60_000;
    assert.notEqual(await provider.getToken(), first);
    assert.equal(issued, 2);
  });
});

describe("EKS authenticator on @kubernetes/client-node", () => {
  let kube: FakeKube;
  const seen: string[] = [];
  before(async () => {
    kube = await startFakeKube({ authenticate: acceptsEksToken("prod", seen) });
    kube.server.store.put("nodes", { metadata: { name: "n1" } });
  });
  after(() => kube.close());

  it("authenticates every request, watches included, and rotates the token after 14 minutes", async () => {
    let now = T0;
    const tokens = new EksTokenProvider({ clusterName: "prod", region: "us-east-1", credentials, now: () => now });
    const kubeConfig = eksKubeConfig({ clusterName: "prod", server: kube.url, caData: "Y2E=", tokens });
    assert.equal(
      kubeConfig.getCurrentUser()?.token,
      undefined,
      "no static token that would win over the authenticator",
    );
    const client = new KubeClusterClient({ kubeConfig });
    assert.equal((await client.listNodes()).length, 1);
    const firstHeader = kube.server.requests.at(-1)!.authorization!;
    assert.ok(firstHeader.startsWith("Bearer k8s-aws-v1."));

    const handle = await client.watchUnscheduledPods(() => {});
    await eventually(() => kube.server.activeWatches === 1);
    assert.equal(kube.server.requests.filter((r) => r.watch).at(-1)!.authorization, firstHeader);
    handle.stop();
    await handle.done;

    now = T0 + 14 * 60_000;
    await client.getNode("n1");
    const rotated = kube.server.requests.at(-1)!.authorization!;
    assert.notEqual(rotated, firstHeader);
    assert.equal(decodeEksToken(rotated.slice("Bearer ".length)).searchParams.get("X-Amz-Date"), "20260101T001400Z");
  });
});

interface DescribeServer {
  url: string;
  requests: { path: string; headers: IncomingHttpHeaders }[];
  reply: { status: number; body: unknown; errorType?: string };
  close(): Promise<void>;
}

/** A local stand-in for the EKS API answering DescribeCluster (GET /clusters/{name}). */
async function startDescribeServer(): Promise<DescribeServer> {
  const state: DescribeServer = {
    url: "",
    requests: [],
    reply: { status: 200, body: {} },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    state.requests.push({ path: req.url ?? "", headers: req.headers });
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (state.reply.errorType) headers["x-amzn-errortype"] = state.reply.errorType;
    res.writeHead(state.reply.status, headers);
    res.end(JSON.stringify(state.reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

describe("connectEksCluster (real EKS SDK client over HTTP)", () => {
  let kube: FakeKube;
  let eksApi: DescribeServer;
  const seen: string[] = [];
  before(async () => {
    kube = await startFakeKube({ authenticate: acceptsEksToken("stevedore-test", seen) });
    kube.server.store.put("nodes", { metadata: { name: "ip-10-0-0-1.ec2.internal" } });
    eksApi = await startDescribeServer();
  });
  after(async () => {
    await kube.close();
    await eksApi.close();
  });

  const eksClient = () => new EKSClient({ region: "us-east-1", endpoint: eksApi.url, credentials, maxAttempts: 1 });

  it("describes the cluster and returns a token-authenticated client for its endpoint", async () => {
    eksApi.reply = {
      status: 200,
      body: {
        cluster: {
          name: "stevedore-test",
          endpoint: kube.url,
          status: "ACTIVE",
          version: "1.31",
          certificateAuthority: { data: "LS0tLS1CRUdJTg==" },
        },
      },
    };
    const connection = await connectEksCluster({
      clusterName: "stevedore-test",
      region: "us-east-1",
      eks: eksClient(),
    });
    assert.equal(eksApi.requests.at(-1)!.path, "/clusters/stevedore-test");
    assert.match(
      String(eksApi.requests.at(-1)!.headers.authorization),
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/eks\/aws4_request/,
    );
    assert.equal(connection.info.version, "1.31");
    assert.equal(connection.info.caData, "LS0tLS1CRUdJTg==");
    assert.deepEqual(
      (await connection.client.listNodes()).map((n) => n.metadata.name),
      ["ip-10-0-0-1.ec2.internal"],
    );
    const token = decodeEksToken(seen.at(-1)!);
    assert.match(
      token.searchParams.get("X-Amz-Credential") ?? "",
      /^AKIDEXAMPLE\//,
      "signed with the EKS client's credentials by default",
    );
  });

  it("reports a missing cluster, a cluster not ready, and transient EKS failures distinctly", async () => {
    eksApi.reply = {
      status: 404,
      errorType: "ResourceNotFoundException",
      body: { message: "No cluster found for name: nope." },
    };
    await assert.rejects(
      connectEksCluster({ clusterName: "nope", region: "us-east-1", eks: eksClient() }),
      EksClusterNotFoundError,
    );
    eksApi.reply = { status: 200, body: { cluster: { name: "new", status: "CREATING" } } };
    await assert.rejects(
      connectEksCluster({ clusterName: "new", region: "us-east-1", eks: eksClient() }),
      (e) => e instanceof EksClusterNotReadyError && e.status === "CREATING",
    );
    eksApi.reply = { status: 500, errorType: "ServerException", body: { message: "boom" } };
    await assert.rejects(
      connectEksCluster({ clusterName: "x", region: "us-east-1", eks: eksClient() }),
      RetryableClusterError,
    );
  });
});

describe("kubeconfig mode", () => {
  let kube: FakeKube;
  let dir: string;
  before(async () => {
    kube = await startFakeKube();
    kube.server.store.put("nodes", { metadata: { name: "from-kubeconfig" } });
    dir = mkdtempSync(join(tmpdir(), "stevedore-kubeconfig-"));
  });
  after(async () => {
    await kube.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("builds a client from a file and context, and names what is wrong otherwise", async () => {
    const config = JSON.parse(kube.server.kubeconfigText()) as {
      contexts: { name: string; context: Record<string, string> }[];
      "current-context": string;
    };
    config.contexts.push({ name: "other", context: { cluster: "missing", user: "fake" } });
    config["current-context"] = "other";
    const path = join(dir, "config");
    writeFileSync(path, JSON.stringify(config));
    const client = createKubeconfigClusterClient({ path, context: "fake" });
    assert.deepEqual(
      (await client.listNodes()).map((n) => n.metadata.name),
      ["from-kubeconfig"],
    );
    assert.throws(
      () => createKubeconfigClusterClient({ path, context: "nope" }),
      (e) => e instanceof KubeconfigError && /context "nope" not found \(contexts: fake, other\)/.test(e.message),
    );
    assert.throws(
      () => createKubeconfigClusterClient({ path }),
      (e) => e instanceof KubeconfigError && /cluster "missing"/.test(e.message),
    );
    assert.throws(
      () => createKubeconfigClusterClient({ path: join(dir, "absent") }),
      (e) => e instanceof KubeconfigError && /file not found/.test(e.message),
    );
  });
});
