/**
 * The labels a node's user data registers it with. Labels that depend on the offering the fleet picks are left out
 * (the kubelet and the cloud controller set zone labels; registration sets the rest), as is the claim label, which
 * registration adds — so the claims of a launch batch share one user data and one launch template. The capacity
 * type is the one of the attempt, and a template that targets a capacity reservation adds its id and type.
 */
import {
  LABEL_CAPACITY_RESERVATION_ID,
  LABEL_CAPACITY_RESERVATION_TYPE,
  LABEL_CAPACITY_TYPE,
  LABEL_INITIALIZED,
  LABEL_REGISTERED,
  LABEL_STEVEDORE_CLAIM,
  LABEL_ZONE,
  LABEL_ZONE_ID,
} from "../../core/well-known.js";
import type { LaunchRequest } from "../provider.js";
import type { FleetCapacityType } from "./fleet.js";
import type { Candidate } from "./fleet-order.js";

/** Also left out: the lifecycle labels `karpenter.sh/registered` / `initialized`, set by registration (as Karpenter). */
const OFFERING_LABELS = new Set([
  LABEL_STEVEDORE_CLAIM,
  LABEL_REGISTERED,
  LABEL_INITIALIZED,
  LABEL_CAPACITY_RESERVATION_ID,
  LABEL_CAPACITY_RESERVATION_TYPE,
  LABEL_ZONE,
  LABEL_ZONE_ID,
  LABEL_CAPACITY_TYPE,
  "failure-domain.beta.kubernetes.io/zone",
]);

/** The labels in the user data of one launch template of an attempt. */
export function bootstrapLabels(
  req: Omit<LaunchRequest, "claimId">,
  ct: FleetCapacityType,
  reservation?: Candidate["reservation"],
): Record<string, string> {
  const perType = new Set(req.instanceTypes.flatMap((t) => Object.keys(t.labels)));
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.labels)) {
    if (!OFFERING_LABELS.has(k) && !perType.has(k)) labels[k] = v;
  }
  labels[LABEL_CAPACITY_TYPE] = ct;
  if (reservation) {
    labels[LABEL_CAPACITY_RESERVATION_ID] = reservation.id;
    labels[LABEL_CAPACITY_RESERVATION_TYPE] = reservation.type;
  }
  return labels;
}
