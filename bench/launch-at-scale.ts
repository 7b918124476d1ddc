/**
 * The launch path at scale: one provisioner pass launching N identical nodes (one pod per node by hostname
 * anti-affinity) on the AWS emulator, dynalite and the fake kube-apiserver, on the harness's virtual clock.
 * Prints CreateFleet calls, CreateTags calls, and virtual seconds from the first intent to the last instance launch
 * and to the last claim recorded as Launched (after its claim tag).
 *
 *   node --import tsx bench/launch-at-scale.ts [nodes=200]
 */
import { Provisioner } from "../lib/controllers/provisioner.js";
import { startControllerHarness } from "../test/support/controller-harness.js";

const nodes = Number(process.argv[2] ?? 200);
const h = await startControllerHarness({ kubelets: false, scheduler: false });
try {
  for (let i = 0; i < nodes; i++) {
    h.pod(`web-${i}`, {
      cpu: "500m",
      labels: { app: "web" },
      extra: {
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { labelSelector: { matchLabels: { app: "web" } }, topologyKey: "kubernetes.io/hostname" },
            ],
          },
        },
      },
    });
  }
  const wallStart = performance.now();
  await new Provisioner(h.deps(), { loopSeconds: 0, watch: false }).run();
  const wallMs = performance.now() - wallStart;
  const claims = await h.claims(true);
  const firstIntent = Math.min(...claims.map((c) => c.createdAt));
  const instances = h.aws.emulator.instances();
  const lastLaunch = Math.max(...instances.map((i) => i.launchTimeMs));
  const lastRecorded = Math.max(...claims.map((c) => c.launchedAt ?? 0));
  const counts = h.aws.emulator.callCounts();
  console.log(
    JSON.stringify({
      nodes,
      claims: claims.length,
      instances: instances.length,
      createFleetCalls: counts["ec2:CreateFleet"] ?? 0,
      createTagsCalls: counts["ec2:CreateTags"] ?? 0,
      virtualSecondsFirstIntentToLastInstance: (lastLaunch - firstIntent) / 1000,
      virtualSecondsFirstIntentToLastClaimLaunched: (lastRecorded - firstIntent) / 1000,
      wallSeconds: Math.round(wallMs / 100) / 10,
    }),
  );
} finally {
  await h.close();
}
