/**
 * CreateFleet (`Type=instant`). Each override (launch template × instance type × subnet) is a candidate pool. For
 * every unit of target capacity the emulator picks one pool with capacity by the allocation strategy:
 *
 * - `lowest-price` (on-demand and spot): cheapest; ties by `Priority`, then request order.
 * - `prioritized` / `capacity-optimized-prioritized`: lowest `Priority` number first, then cheapest.
 * - `capacity-optimized`: the pool with most remaining capacity (unlimited pools count as infinite), then cheapest.
 * - `price-capacity-optimized`: the cheapest among the deepest pools — those with at least half the remaining
 *   capacity of the deepest pool (all unlimited pools when any is unlimited).
 * - `diversified`: treated as `lowest-price` (an instant fleet of one instance has nothing to diversify).
 *
 * Pools that cannot launch (no capacity, injected ICE, quota, full subnet, type not offered, architecture mismatch)
 * are reported in `Errors` as EC2 reports the pools it tried: every such pool priced below the chosen one, or
 * all of them when nothing launched. Request problems (unknown launch template, subnet) fail the whole call; the
 * candidate pools come from `fleet-candidates.ts`.
 * A repeated `ClientToken` returns the first response; the same token with other parameters fails with
 * `IdempotentParameterMismatch`.
 */
import type { PurchaseOption } from "./capacity.js";
import type { EmulatedInstanceType } from "./catalog.js";
import { AwsApiError, invalidParameterValue, missingParameter } from "./errors.js";
import { buildCandidates, type Candidate, templateSpecXml } from "./fleet-candidates.js";
import { idempotentRequest } from "./idempotency.js";
import type { EmulatedImage } from "./images.js";
import type { QueryParams } from "./query-params.js";
import { checkTags, type Ec2World, type LaunchProblem } from "./world.js";
import type { XmlObject } from "./xml.js";

const SPOT_STRATEGIES = new Set([
  "lowest-price",
  "diversified",
  "capacity-optimized",
  "capacity-optimized-prioritized",
  "price-capacity-optimized",
]);
const ON_DEMAND_STRATEGIES = new Set(["lowest-price", "prioritized"]);
const FLEET_TAGGABLE = new Set(["instance", "volume", "fleet", "network-interface", "spot-instances-request"]);

interface Available {
  candidate: Candidate;
  price: number;
  remaining: number;
}

/** A pool that cannot launch this unit; `price` orders it against the chosen pool. */
interface Blocked {
  c: Candidate;
  p: LaunchProblem;
  price: number;
}

/** Units to launch per purchase option, and the allocation strategy of each. */
interface FleetTarget {
  spotUnits: number;
  odUnits: number;
  spotStrategy: string;
  odStrategy: string;
}

/** Instances launched into one pool with one purchase option. */
interface LaunchedGroup {
  candidate: Candidate;
  lifecycle: PurchaseOption;
  ids: string[];
}

type RequestTag = { key: string; value: string };

function tagMap(entries: Array<{ key: string; value: string }>): Map<string, string> {
  return new Map(entries.map((t) => [t.key, t.value]));
}

function pick(available: Available[], strategy: string): Available | undefined {
  if (available.length === 0) return undefined;
  const byPrice = (a: Available, b: Available) =>
    a.price - b.price || a.candidate.priority - b.candidate.priority || a.candidate.index - b.candidate.index;
  const sorted = [...available];
  switch (strategy) {
    case "prioritized":
    case "capacity-optimized-prioritized":
      return sorted.sort((a, b) => a.candidate.priority - b.candidate.priority || byPrice(a, b))[0];
    case "capacity-optimized":
      return sorted.sort((a, b) => b.remaining - a.remaining || byPrice(a, b))[0];
    case "price-capacity-optimized": {
      const deepest = Math.max(...sorted.map((a) => a.remaining));
      const band = deepest === Number.POSITIVE_INFINITY ? deepest : deepest / 2;
      return sorted.filter((a) => a.remaining >= band).sort(byPrice)[0];
    }
    default:
      return sorted.sort(byPrice)[0];
  }
}

/** Reads the target capacity and the allocation strategies; capacity not split explicitly goes to the default. */
function readTarget(params: QueryParams): FleetTarget {
  const tcs = params.child("TargetCapacitySpecification");
  if (!tcs) throw missingParameter("TargetCapacitySpecification");
  const total = tcs.int("TotalTargetCapacity");
  if (total === undefined) throw missingParameter("TargetCapacitySpecification.TotalTargetCapacity");
  if (total < 1) throw invalidParameterValue("TotalTargetCapacity", String(total), "must be at least 1");
  const written = tcs.string("DefaultTargetCapacityType");
  // Capacity blocks launch with their own target capacity type; they are on-demand purchases of reserved capacity.
  const defaultType = written === "capacity-block" ? "on-demand" : written;
  if (defaultType !== "spot" && defaultType !== "on-demand") {
    throw invalidParameterValue(
      "DefaultTargetCapacityType",
      defaultType ?? "(none)",
      "the emulator supports spot and on-demand",
    );
  }
  const spotStrategy = params.child("SpotOptions")?.string("AllocationStrategy") ?? "lowest-price";
  const odStrategy = params.child("OnDemandOptions")?.string("AllocationStrategy") ?? "lowest-price";
  if (!SPOT_STRATEGIES.has(spotStrategy)) throw invalidParameterValue("SpotOptions.AllocationStrategy", spotStrategy);
  if (!ON_DEMAND_STRATEGIES.has(odStrategy))
    throw invalidParameterValue("OnDemandOptions.AllocationStrategy", odStrategy);
  let spotUnits = tcs.int("SpotTargetCapacity") ?? (defaultType === "spot" ? total : 0);
  let odUnits = tcs.int("OnDemandTargetCapacity") ?? (defaultType === "on-demand" ? total : 0);
  const rest = total - spotUnits - odUnits;
  if (rest > 0) {
    if (defaultType === "spot") spotUnits += rest;
    else odUnits += rest;
  }
  return { spotUnits, odUnits, spotStrategy, odStrategy };
}

/** Reads and checks the tag specifications; returns the request's tags for a resource type. */
function readRequestTags(params: QueryParams): (resourceType: string) => RequestTag[] {
  const tagSpecs = params.tagSpecifications();
  for (const s of tagSpecs) {
    if (!FLEET_TAGGABLE.has(s.resourceType)) {
      throw new AwsApiError(
        "InvalidParameterValue",
        `'${s.resourceType}' is not a valid taggable resource type for this operation.`,
      );
    }
    checkTags(s.tags.map((t) => [t.key, t.value]));
  }
  return (rt: string) => tagSpecs.filter((s) => s.resourceType === rt).flatMap((s) => s.tags);
}

/** One CreateFleet call in progress: its pools, the errors reported so far, and the instances launched. */
class FleetLaunch {
  readonly fleetId: string;
  private readonly reservationId: string;
  readonly errors: XmlObject[] = [];
  private readonly reported = new Set<string>();
  readonly launched = new Map<string, LaunchedGroup>();

  constructor(
    private readonly world: Ec2World,
    private readonly candidates: Candidate[],
    private readonly requestTags: (resourceType: string) => RequestTag[],
    private readonly forced: LaunchProblem | undefined,
  ) {
    this.fleetId = `fleet-${world.random.uuid()}`;
    this.reservationId = `r-${world.random.hex(17)}`;
  }

  /** Reports a pool's problem once per pool, purchase option and error code. */
  private report(c: Candidate, lifecycle: PurchaseOption, p: LaunchProblem): void {
    const key = `${c.index}|${lifecycle}|${p.code}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.errors.push({
      launchTemplateAndOverrides: { launchTemplateSpecification: templateSpecXml(c), overrides: c.overrides },
      lifecycle,
      errorCode: p.code,
      errorMessage: p.message,
    });
  }

  /** Splits the pools into those that can launch one unit now and those that cannot (with their problem). */
  private assess(lifecycle: PurchaseOption): { available: Available[]; blocked: Blocked[] } {
    const { world, forced } = this;
    const available: Available[] = [];
    const blocked: Blocked[] = [];
    for (const c of this.candidates) {
      if (c.problem || !c.type || !c.image) {
        if (c.problem) blocked.push({ c, p: c.problem, price: Number.NEGATIVE_INFINITY });
        continue;
      }
      const price = world.price(c.type, c.subnet.zone, lifecycle);
      const reservation = c.data.capacityReservationId;
      let p =
        forced ??
        (reservation === undefined ? undefined : reservationProblem(world, reservation, c, lifecycle)) ??
        world.launchProblem(c.type, c.subnet, c.image, lifecycle);
      if (!p && lifecycle === "spot" && c.maxPrice !== undefined && c.maxPrice < price) {
        p = {
          code: "SpotMaxPriceTooLow",
          message: `Your Spot request price of ${c.maxPrice} is lower than the minimum required Spot request fulfillment price of ${price}.`,
          capacity: true,
        };
      }
      if (p) blocked.push({ c, p, price: p.capacity ? price : Number.NEGATIVE_INFINITY });
      else
        available.push({
          candidate: c,
          price,
          remaining: world.capacity.remaining(c.type.name, c.subnet.zone, lifecycle, world.now()),
        });
    }
    return { available, blocked };
  }

  /** Launches unit `u` into pool `c`. */
  private launchUnit(c: Candidate, lifecycle: PurchaseOption, u: number): void {
    const { world, fleetId, requestTags } = this;
    const instance = world.launch({
      type: c.type as EmulatedInstanceType,
      subnet: c.subnet,
      image: c.image as EmulatedImage,
      lifecycle,
      reservationId: this.reservationId,
      clientToken: `${fleetId}-${c.index}-${u}`,
      fleetId,
      launchTemplate: {
        launchTemplateId: c.template.launchTemplateId,
        launchTemplateName: c.template.launchTemplateName,
        version: c.version.versionNumber,
      },
      userData: c.data.userData,
      securityGroupIds: c.data.securityGroupIds,
      tags: new Map([...tagMap(c.data.tagsFor("instance")), ...tagMap(requestTags("instance"))]),
      volumeTags: new Map([...tagMap(c.data.tagsFor("volume")), ...tagMap(requestTags("volume"))]),
      keyName: c.data.keyName,
      iamInstanceProfileArn: c.data.iamInstanceProfile?.arn ?? iamArn(world, c.data.iamInstanceProfile?.name),
      httpTokens: c.data.httpTokens,
      capacityReservationId: c.data.capacityReservationId,
    });
    const key = `${c.index}|${lifecycle}`;
    const group = this.launched.get(key) ?? { candidate: c, lifecycle, ids: [] };
    group.ids.push(instance.instanceId);
    this.launched.set(key, group);
  }

  /** Launches `units` instances with one purchase option, each into the pool the strategy picks. */
  runUnits(lifecycle: PurchaseOption, units: number, strategy: string): void {
    for (let u = 0; u < units; u++) {
      const { available, blocked } = this.assess(lifecycle);
      const chosen = pick(available, strategy);
      for (const b of blocked) if (!chosen || b.price < chosen.price) this.report(b.c, lifecycle, b.p);
      if (!chosen) continue;
      this.launchUnit(chosen.candidate, lifecycle, u);
    }
  }

  /** The CreateFleet response. */
  response(): XmlObject {
    return {
      fleetId: this.fleetId,
      errorSet: this.errors,
      fleetInstanceSet: [...this.launched.values()].map((g) => ({
        launchTemplateAndOverrides: {
          launchTemplateSpecification: templateSpecXml(g.candidate),
          overrides: g.candidate.overrides,
        },
        lifecycle: g.lifecycle,
        instanceIds: g.ids,
        instanceType: g.candidate.type?.name,
      })),
    };
  }
}

/**
 * Handles CreateFleet. `forced` (fault injection) makes every pool fail with that problem, so the call returns
 * 200 with an `Errors` item per pool and no instance, as a real capacity shortage does.
 */
export function createFleet(world: Ec2World, params: QueryParams, forced?: LaunchProblem): XmlObject {
  const type = params.string("Type") ?? "maintain";
  if (type !== "instant") {
    throw new AwsApiError("UnsupportedOperation", `The emulator supports only CreateFleet Type=instant (got ${type}).`);
  }
  const idempotency = idempotentRequest(world, "CreateFleet", params);
  if (idempotency.replay) return idempotency.replay;
  const target = readTarget(params);
  const requestTags = readRequestTags(params);
  const candidates = buildCandidates(world, params);

  const fleet = new FleetLaunch(world, candidates, requestTags, forced);
  fleet.runUnits("spot", target.spotUnits, target.spotStrategy);
  fleet.runUnits("on-demand", target.odUnits, target.odStrategy);

  world.fleets.set(fleet.fleetId, {
    fleetId: fleet.fleetId,
    tags: tagMap(requestTags("fleet")),
    createTimeMs: world.now(),
    context: params.string("Context"),
  });
  return idempotency.record(fleet.response());
}

/** Why a pool whose template targets a capacity reservation cannot launch one more instance into it. */
function reservationProblem(
  world: Ec2World,
  reservationId: string,
  c: Candidate,
  lifecycle: PurchaseOption,
): LaunchProblem | undefined {
  if (lifecycle === "spot") {
    return {
      code: "InvalidParameterCombination",
      message: "A capacity reservation can only be targeted by on-demand launches.",
      capacity: false,
    };
  }
  const p = world.reservations.launchProblem(reservationId, c.type?.name ?? "", c.subnet.zone);
  return p ? { ...p, capacity: p.code === "ReservationCapacityExceeded" } : undefined;
}

/** The ARN of an instance profile named in a template. */
export function iamArn(world: Ec2World, name: string | undefined): string | undefined {
  return name === undefined ? undefined : `arn:aws:iam::${world.config.accountId}:instance-profile/${name}`;
}
