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
 * all of them when nothing launched. Request problems (unknown launch template, subnet) fail the whole call.
 * A repeated `ClientToken` returns the first response; the same token with other parameters fails with
 * `IdempotentParameterMismatch`.
 */
import type { PurchaseOption } from "./capacity.js";
import type { EmulatedInstanceType } from "./catalog.js";
import { AwsApiError, invalidParameterValue, missingParameter } from "./errors.js";
import { idempotentRequest } from "./idempotency.js";
import type { EmulatedImage } from "./images.js";
import { type EmulatedLaunchTemplate, type LaunchTemplateVersion, TemplateData } from "./launch-templates.js";
import type { EmulatedSubnet } from "./network.js";
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

interface Candidate {
  index: number;
  template: EmulatedLaunchTemplate;
  version: LaunchTemplateVersion;
  data: TemplateData;
  requestedVersion: string;
  requestedName?: string;
  overrides: XmlObject;
  type?: EmulatedInstanceType;
  subnet: EmulatedSubnet;
  image?: EmulatedImage;
  priority: number;
  maxPrice?: number;
  /** A problem that holds for every unit (request-shaped). */
  problem?: LaunchProblem;
}

interface Available {
  candidate: Candidate;
  price: number;
  remaining: number;
}

function tagMap(entries: Array<{ key: string; value: string }>): Map<string, string> {
  return new Map(entries.map((t) => [t.key, t.value]));
}

function buildCandidates(world: Ec2World, params: QueryParams): Candidate[] {
  const configs = params.list("LaunchTemplateConfigs");
  if (configs.length === 0) throw missingParameter("LaunchTemplateConfigs");
  const out: Candidate[] = [];
  for (const config of configs) {
    const spec = config.child("LaunchTemplateSpecification");
    if (!spec) throw missingParameter("LaunchTemplateConfigs.N.LaunchTemplateSpecification");
    const requestedVersion = spec.string("Version") ?? "$Default";
    const { template, version } = world.templates.resolve({
      launchTemplateId: spec.string("LaunchTemplateId"),
      launchTemplateName: spec.string("LaunchTemplateName"),
      version: requestedVersion,
    });
    const data = new TemplateData(version.data);
    const overrides = config.list("Overrides");
    for (const ov of overrides.length > 0 ? overrides : [undefined]) {
      const typeName = ov?.string("InstanceType") ?? data.instanceType;
      const subnetId = ov?.string("SubnetId") ?? data.subnetId;
      const zone = ov?.string("AvailabilityZone") ?? data.zone;
      let subnets: EmulatedSubnet[];
      if (subnetId !== undefined) {
        const s = world.network.subnets.get(subnetId);
        if (!s) throw new AwsApiError("InvalidSubnetID.NotFound", `The subnet ID '${subnetId}' does not exist`);
        if (zone !== undefined && s.zone !== zone) {
          throw new AwsApiError(
            "InvalidParameterCombination",
            `The subnet '${subnetId}' is in Availability Zone ${s.zone}, not ${zone}.`,
          );
        }
        subnets = [s];
      } else {
        const zones = zone !== undefined ? [zone] : world.config.zones;
        subnets = zones.map((z) => world.network.defaultSubnetFor(z)).filter((s): s is EmulatedSubnet => !!s);
        if (subnets.length === 0)
          throw invalidParameterValue("AvailabilityZone", zone ?? "(none)", "no subnet in that zone");
      }
      const imageId = ov?.string("ImageId") ?? data.imageId;
      const missingGroup = data.securityGroupIds.find((g) => !world.network.securityGroups.has(g));
      for (const subnet of subnets) {
        const type = typeName !== undefined ? world.catalog.get(typeName) : undefined;
        const image = imageId !== undefined ? world.images.images.get(imageId) : undefined;
        let problem: LaunchProblem | undefined;
        if (typeName === undefined) {
          problem = {
            code: "MissingParameter",
            message: "The request must contain the parameter InstanceType",
            capacity: false,
          };
        } else if (!type) {
          problem = {
            code: "InvalidParameterValue",
            message: `Invalid value '${typeName}' for InstanceType.`,
            capacity: false,
          };
        } else if (imageId === undefined) {
          problem = {
            code: "MissingParameter",
            message: "The request must contain the parameter ImageId",
            capacity: false,
          };
        } else if (!image) {
          problem = {
            code: "InvalidAMIID.NotFound",
            message: `The image id '[${imageId}]' does not exist`,
            capacity: false,
          };
        } else if (missingGroup !== undefined) {
          problem = {
            code: "InvalidGroup.NotFound",
            message: `The security group '${missingGroup}' does not exist`,
            capacity: false,
          };
        }
        const maxPrice = ov?.number("MaxPrice");
        const priority = ov?.number("Priority");
        out.push({
          index: out.length,
          template,
          version,
          data,
          requestedVersion,
          requestedName: spec.string("LaunchTemplateName"),
          overrides: {
            instanceType: typeName,
            maxPrice: maxPrice !== undefined ? String(maxPrice) : undefined,
            subnetId: subnet.subnetId,
            availabilityZone: subnet.zone,
            priority,
            imageId: ov?.string("ImageId"),
          },
          type,
          subnet,
          image,
          priority: priority ?? Number.POSITIVE_INFINITY,
          maxPrice,
          problem,
        });
      }
    }
  }
  return out;
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

function templateSpecXml(c: Candidate): XmlObject {
  return {
    launchTemplateId: c.template.launchTemplateId,
    launchTemplateName: c.requestedName,
    version: c.requestedVersion,
  };
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
  const tcs = params.child("TargetCapacitySpecification");
  if (!tcs) throw missingParameter("TargetCapacitySpecification");
  const total = tcs.int("TotalTargetCapacity");
  if (total === undefined) throw missingParameter("TargetCapacitySpecification.TotalTargetCapacity");
  if (total < 1) throw invalidParameterValue("TotalTargetCapacity", String(total), "must be at least 1");
  const defaultType = tcs.string("DefaultTargetCapacityType");
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
  const requestTags = (rt: string) => tagSpecs.filter((s) => s.resourceType === rt).flatMap((s) => s.tags);
  const candidates = buildCandidates(world, params);

  const fleetId = `fleet-${world.random.uuid()}`;
  const reservationId = `r-${world.random.hex(17)}`;
  const errors: XmlObject[] = [];
  const reported = new Set<string>();
  const launched = new Map<string, { candidate: Candidate; lifecycle: PurchaseOption; ids: string[] }>();
  const report = (c: Candidate, lifecycle: PurchaseOption, p: LaunchProblem) => {
    const key = `${c.index}|${lifecycle}|${p.code}`;
    if (reported.has(key)) return;
    reported.add(key);
    errors.push({
      launchTemplateAndOverrides: { launchTemplateSpecification: templateSpecXml(c), overrides: c.overrides },
      lifecycle,
      errorCode: p.code,
      errorMessage: p.message,
    });
  };

  const runUnits = (lifecycle: PurchaseOption, units: number, strategy: string) => {
    for (let u = 0; u < units; u++) {
      const available: Available[] = [];
      const blocked: Array<{ c: Candidate; p: LaunchProblem; price: number }> = [];
      for (const c of candidates) {
        if (c.problem || !c.type || !c.image) {
          if (c.problem) blocked.push({ c, p: c.problem, price: Number.NEGATIVE_INFINITY });
          continue;
        }
        const price = world.price(c.type, c.subnet.zone, lifecycle);
        let p = forced ?? world.launchProblem(c.type, c.subnet, c.image, lifecycle);
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
      const chosen = pick(available, strategy);
      for (const b of blocked) if (!chosen || b.price < chosen.price) report(b.c, lifecycle, b.p);
      if (!chosen) continue;
      const c = chosen.candidate;
      const instance = world.launch({
        type: c.type as EmulatedInstanceType,
        subnet: c.subnet,
        image: c.image as EmulatedImage,
        lifecycle,
        reservationId,
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
      });
      const key = `${c.index}|${lifecycle}`;
      const group = launched.get(key) ?? { candidate: c, lifecycle, ids: [] };
      group.ids.push(instance.instanceId);
      launched.set(key, group);
    }
  };
  runUnits("spot", spotUnits, spotStrategy);
  runUnits("on-demand", odUnits, odStrategy);

  world.fleets.set(fleetId, { fleetId, tags: tagMap(requestTags("fleet")), createTimeMs: world.now() });
  const response: XmlObject = {
    fleetId,
    errorSet: errors,
    fleetInstanceSet: [...launched.values()].map((g) => ({
      launchTemplateAndOverrides: {
        launchTemplateSpecification: templateSpecXml(g.candidate),
        overrides: g.candidate.overrides,
      },
      lifecycle: g.lifecycle,
      instanceIds: g.ids,
      instanceType: g.candidate.type?.name,
    })),
  };
  return idempotency.record(response);
}

/** The ARN of an instance profile named in a template. */
export function iamArn(world: Ec2World, name: string | undefined): string | undefined {
  return name === undefined ? undefined : `arn:aws:iam::${world.config.accountId}:instance-profile/${name}`;
}
