import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidMimeUserDataError, parseMimeMultipart, writeMimeMultipart } from "../../lib/cloud/aws/mime.js";
import { detectUserDataFamily, parseNodeRegistration } from "../../lib/cloud/aws/node-registration.js";
import {
  type BootstrapOptions,
  InvalidBottlerocketUserDataError,
  kubeletLabels,
  renderUserData,
  UnsupportedUserDataError,
} from "../../lib/cloud/aws/user-data.js";

/** The inputs of Karpenter's `*_userdata_unmerged.golden` files (nodeclass/nodepool placeholders filled in). */
const base: BootstrapOptions = {
  clusterName: "test-cluster",
  apiServerEndpoint: "https://test-cluster",
  caBundle: "Y2EtYnVuZGxlCg==",
  serviceCidr: "10.100.0.0/16",
  labels: {
    "karpenter.sh/capacity-type": "on-demand",
    "karpenter.sh/nodepool": "default",
    "testing/cluster": "unspecified",
  },
  taints: [{ key: "karpenter.sh/unregistered", effect: "NoExecute" }],
  kubelet: { clusterDNS: ["10.0.100.10"] },
  maxPods: 110,
};

const AL2_GOLDEN = `MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="//"

--//
Content-Type: text/x-shellscript; charset="us-ascii"

#!/bin/bash -xe
exec > >(tee /var/log/user-data.log|logger -t user-data -s 2>/dev/console) 2>&1
/etc/eks/bootstrap.sh 'test-cluster' --apiserver-endpoint 'https://test-cluster' --b64-cluster-ca 'Y2EtYnVuZGxlCg==' \\
--dns-cluster-ip '10.0.100.10' \\
--use-max-pods false \\
--kubelet-extra-args '--node-labels="karpenter.sh/capacity-type=on-demand,karpenter.sh/nodepool=default,testing/cluster=unspecified" --register-with-taints="karpenter.sh/unregistered:NoExecute" --max-pods=110'
--//--
`;

const AL2023_GOLDEN = `MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="//"

--//
Content-Type: application/node.eks.aws

# Stevedore generated NodeConfig
apiVersion: node.eks.aws/v1alpha1
kind: NodeConfig
spec:
  cluster:
    apiServerEndpoint: https://test-cluster
    certificateAuthority: Y2EtYnVuZGxlCg==
    cidr: 10.100.0.0/16
    name: test-cluster
  kubelet:
    config:
      maxPods: 110
      clusterDNS:
        - 10.0.100.10
      registerWithTaints:
        - effect: NoExecute
          key: karpenter.sh/unregistered
    flags:
      - --node-labels="karpenter.sh/capacity-type=on-demand,karpenter.sh/nodepool=default,testing/cluster=unspecified"
--//--
`;

const BOTTLEROCKET_GOLDEN = `[settings.kubernetes]
cluster-name = "test-cluster"
api-server = "https://test-cluster"
cluster-certificate = "Y2EtYnVuZGxlCg=="
cluster-dns-ip = "10.0.100.10"
max-pods = 110

[settings.kubernetes.node-labels]
"karpenter.sh/capacity-type" = "on-demand"
"karpenter.sh/nodepool" = "default"
"testing/cluster" = "unspecified"

[settings.kubernetes.node-taints]
"karpenter.sh/unregistered" = [ ":NoExecute" ]
`;

describe("user data goldens (Karpenter's layouts)", () => {
  test("AL2: bootstrap.sh with --use-max-pods false and kubelet extra args", () => {
    assert.equal(renderUserData("AL2", base), AL2_GOLDEN);
  });
  test("AL2023: nodeadm NodeConfig part", () => {
    assert.equal(renderUserData("AL2023", base), AL2023_GOLDEN);
  });
  test("Bottlerocket: settings.kubernetes TOML", () => {
    assert.equal(renderUserData("Bottlerocket", base), BOTTLEROCKET_GOLDEN);
  });
  test("Custom: verbatim", () => {
    assert.equal(
      renderUserData("Custom", { ...base, customUserData: "#!/bin/sh\necho custom\n" }),
      "#!/bin/sh\necho custom\n",
    );
    assert.equal(renderUserData("Custom", base), "");
  });
  test("Windows: PowerShell calling the EKS bootstrap script, read back by the twin's kubelet", () => {
    const text = renderUserData("Windows2022", {
      ...base,
      labels: { team: "web" },
      taints: [{ key: "os", value: "windows", effect: "NoSchedule" }],
      maxPods: 110,
      kubelet: { clusterDNS: ["10.100.0.10"] },
      customUserData: "<powershell>\nWrite-Host 'hello'\n</powershell>",
    });
    assert.match(text, /^<powershell>\nWrite-Host 'hello'\n\[string\]\$EKSBootstrapScriptFile = /);
    assert.match(text, /-DNSClusterIP '10\.100\.0\.10'/);
    assert.equal(text.match(/<powershell>/g)?.length, 1);
    assert.equal(detectUserDataFamily(text), "Windows2022");
    const reg = parseNodeRegistration("Windows2022", text);
    assert.deepEqual(reg.labels, { team: "web", "kubernetes.io/os": "windows" });
    assert.deepEqual(reg.taints, [{ key: "os", value: "windows", effect: "NoSchedule" }]);
    assert.equal(reg.maxPods, 110);
    assert.equal(reg.clusterName, base.clusterName);
  });
  test("a family Stevedore cannot bootstrap is refused with a named error", () => {
    assert.throws(() => renderUserData("Ubuntu" as never, base), UnsupportedUserDataError);
  });
  test("AL2023 needs the service CIDR", () => {
    assert.throws(() => renderUserData("AL2023", { ...base, serviceCidr: undefined }), /service CIDR/);
  });
});

const rich: BootstrapOptions = {
  ...base,
  labels: {
    ...base.labels,
    team: "web",
    "node-role.kubernetes.io/worker": "true",
    "node-restriction.kubernetes.io/secret": "x",
    "topology.kubernetes.io/zone": "us-east-1a",
    "node.kubernetes.io/lifecycle": "spot",
  },
  taints: [
    { key: "dedicated", value: "gpu", effect: "NoSchedule" },
    { key: "example.com/agent", effect: "NoExecute" },
  ],
  kubelet: {
    clusterDNS: ["10.0.100.10"],
    systemReserved: { cpu: "100m", memory: "100Mi" },
    kubeReserved: { memory: "1Gi" },
    evictionHard: { "memory.available": "5%", "nodefs.available": "10%" },
    evictionSoft: { "memory.available": "10%" },
    evictionSoftGracePeriod: { "memory.available": "1m" },
    evictionMaxPodGracePeriod: 60,
    imageGCHighThresholdPercent: 85,
    imageGCLowThresholdPercent: 80,
    cpuCFSQuota: false,
    podsPerCore: 10,
  },
  maxPods: 58,
};

describe("user data contents", () => {
  test("labels the kubelet may not set on itself are dropped", () => {
    assert.deepEqual(Object.keys(kubeletLabels(rich.labels)), [
      "karpenter.sh/capacity-type",
      "karpenter.sh/nodepool",
      "node.kubernetes.io/lifecycle",
      "team",
      "testing/cluster",
      "topology.kubernetes.io/zone",
    ]);
  });

  test("AL2 passes every kubelet setting as a flag", () => {
    const ud = renderUserData("AL2", rich);
    for (const flag of [
      "--max-pods=58",
      "--pods-per-core=10",
      "--system-reserved=cpu=100m,memory=100Mi",
      "--kube-reserved=memory=1Gi",
      "--eviction-hard=memory.available<5%,nodefs.available<10%",
      "--eviction-soft=memory.available<10%",
      "--eviction-soft-grace-period=memory.available=1m",
      "--eviction-max-pod-grace-period=60",
      "--image-gc-high-threshold=85",
      "--image-gc-low-threshold=80",
      "--cpu-cfs-quota=false",
      '--register-with-taints="dedicated=gpu:NoSchedule,example.com/agent:NoExecute"',
    ]) {
      assert.ok(ud.includes(flag), `missing ${flag}`);
    }
    assert.ok(!ud.includes("node-role.kubernetes.io"));
  });

  test("AL2023 puts kubelet settings in kubelet.config", () => {
    const ud = renderUserData("AL2023", rich);
    for (const line of [
      "podsPerCore: 10",
      "memory.available: 5%",
      "evictionMaxPodGracePeriod: 60",
      "imageGCHighThresholdPercent: 85",
      "cpuCFSQuota: false",
    ]) {
      assert.ok(ud.includes(line), `missing ${line}`);
    }
  });

  test("Bottlerocket keeps the user's settings, overwrites Stevedore's keys, merges labels", () => {
    const user = [
      "[settings.kubernetes]",
      "cluster-name = 'someone-else'",
      "max-pods = 5",
      "[settings.kubernetes.node-labels]",
      "custom = 'yes'",
      "[settings.ntp]",
      "time-servers = ['169.254.169.123']",
    ].join("\n");
    const ud = renderUserData("Bottlerocket", { ...rich, customUserData: user });
    assert.ok(ud.includes('cluster-name = "test-cluster"'));
    assert.ok(ud.includes("max-pods = 58"));
    assert.ok(ud.includes('custom = "yes"'));
    assert.ok(ud.includes('time-servers = [ "169.254.169.123" ]'));
    assert.ok(ud.includes("cpu-cfs-quota-enforced = false"));
    assert.throws(
      () => renderUserData("Bottlerocket", { ...base, customUserData: "[settings" }),
      InvalidBottlerocketUserDataError,
    );
  });

  test("AL2/AL2023 keep the user's parts first (shell or MIME) and append Stevedore's", () => {
    const shell = renderUserData("AL2", { ...base, customUserData: "#!/bin/bash\necho first\n" });
    const parts = parseMimeMultipart(shell);
    assert.equal(parts.length, 2);
    assert.equal(parts[0].body, "#!/bin/bash\necho first\n");
    assert.match(parts[1].body, /bootstrap\.sh/);

    const userMime = writeMimeMultipart([
      {
        contentType: "application/node.eks.aws",
        body: "apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  kubelet:\n    config:\n      maxPods: 3\n",
      },
      { contentType: "text/x-shellscript", body: "#!/bin/bash\necho two\n" },
    ]);
    const merged = parseMimeMultipart(renderUserData("AL2023", { ...base, customUserData: userMime }));
    assert.deepEqual(
      merged.map((p) => p.contentType),
      ["application/node.eks.aws", "text/x-shellscript", "application/node.eks.aws"],
    );
    const yamlOnly = renderUserData("AL2023", {
      ...base,
      customUserData: "apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec: {}\n",
    });
    assert.equal(parseMimeMultipart(yamlOnly)[0].contentType, "application/node.eks.aws");
  });

  test("MIME: base64 parts are decoded, a missing closing boundary is a named error", () => {
    const b64 = [
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="XYZ"',
      "",
      "--XYZ",
      "Content-Type: text/x-shellscript",
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.from("#!/bin/bash\necho hi\n").toString("base64"),
      "--XYZ--",
      "",
    ].join("\r\n");
    assert.deepEqual(parseMimeMultipart(b64), [{ contentType: "text/x-shellscript", body: "#!/bin/bash\necho hi\n" }]);
    assert.throws(
      () => parseMimeMultipart('MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="a"\n\n--a\n\nx\n'),
      InvalidMimeUserDataError,
    );
  });
});

describe("parseNodeRegistration round trip", () => {
  for (const family of ["AL2", "AL2023", "Bottlerocket"] as const) {
    test(`${family}: labels, taints and max-pods read back as rendered`, () => {
      const reg = parseNodeRegistration(family, renderUserData(family, { ...rich, customUserData: undefined }));
      assert.deepEqual(reg.labels, kubeletLabels(rich.labels));
      assert.deepEqual(reg.taints, rich.taints);
      assert.equal(reg.maxPods, 58);
      assert.equal(reg.clusterName, "test-cluster");
    });
  }

  test("AL2023: later NodeConfig parts win (nodeadm merge order)", () => {
    const user =
      "apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  kubelet:\n    config:\n      maxPods: 3\n";
    const reg = parseNodeRegistration("AL2023", renderUserData("AL2023", { ...base, customUserData: user }));
    assert.equal(reg.maxPods, 110);
  });

  test("AL2023: --register-with-taints in flags is read too", () => {
    const ud = [
      "apiVersion: node.eks.aws/v1alpha1",
      "kind: NodeConfig",
      "spec:",
      "  kubelet:",
      "    flags:",
      "      - --node-labels=a=b,c=d",
      '      - --register-with-taints="x=y:NoSchedule"',
    ].join("\n");
    const reg = parseNodeRegistration("AL2023", ud);
    assert.deepEqual(reg.labels, { a: "b", c: "d" });
    assert.deepEqual(reg.taints, [{ key: "x", value: "y", effect: "NoSchedule" }]);
  });

  test("Custom is recognised by content; unknown content registers with nothing", () => {
    assert.equal(detectUserDataFamily(renderUserData("AL2", base)), "AL2");
    assert.equal(detectUserDataFamily(renderUserData("AL2023", base)), "AL2023");
    assert.equal(detectUserDataFamily(renderUserData("Bottlerocket", base)), "Bottlerocket");
    assert.equal(parseNodeRegistration("Custom", renderUserData("AL2", base)).maxPods, 110);
    assert.deepEqual(parseNodeRegistration("Custom", "#!/bin/sh\necho hi\n"), { labels: {}, taints: [] });
  });

  test("unreadable user data is a named error", () => {
    assert.throws(() => parseNodeRegistration("AL2", "#!/bin/sh\necho hi\n"), { name: "UnreadableUserDataError" });
    assert.throws(() => parseNodeRegistration("AL2023", "#!/bin/sh\n"), { name: "UnreadableUserDataError" });
    assert.throws(() => parseNodeRegistration("Bottlerocket", "[[["), { name: "UnreadableUserDataError" });
  });

  test("AL2: quotes inside shell-quoted values survive", () => {
    const ud = renderUserData("AL2", { ...base, clusterName: "it's" });
    assert.equal(parseNodeRegistration("AL2", ud).clusterName, "it's");
  });
});
