/**
 * Renders emulated instances in EC2's `Instance` / `Reservation` response shapes.
 */
import { type EmulatedInstance, STATE_CODE } from "./instances.js";
import type { Ec2World } from "./world.js";
import { tagSet, type XmlObject } from "./xml.js";

/** The `instanceState` structure. */
export function stateXml(state: EmulatedInstance["state"]): XmlObject {
  return { code: STATE_CODE[state], name: state };
}

/** One `Instance`. */
export function instanceXml(i: EmulatedInstance, world: Ec2World): XmlObject {
  const groups = i.securityGroupIds.map((groupId) => ({
    groupId,
    groupName: world.network.securityGroups.get(groupId)?.groupName,
  }));
  const visibleNetwork = i.state !== "terminated";
  return {
    instanceId: i.instanceId,
    imageId: i.imageId,
    instanceState: stateXml(i.state),
    privateDnsName: visibleNetwork ? i.privateDnsName : "",
    dnsName: "",
    reason: i.stateTransitionReason,
    keyName: i.keyName,
    amiLaunchIndex: 0,
    productCodes: [],
    instanceType: i.instanceType,
    launchTime: new Date(i.launchTimeMs),
    placement: { availabilityZone: i.zone, availabilityZoneId: i.zoneId, groupName: "", tenancy: "default" },
    monitoring: { state: "disabled" },
    subnetId: visibleNetwork ? i.subnetId : undefined,
    vpcId: visibleNetwork ? i.vpcId : undefined,
    privateIpAddress: visibleNetwork ? i.privateIpAddress : undefined,
    sourceDestCheck: true,
    groupSet: groups,
    stateReason: i.stateReason ? { code: i.stateReason.code, message: i.stateReason.message } : undefined,
    architecture: i.architecture,
    rootDeviceType: "ebs",
    rootDeviceName: i.rootDeviceName,
    blockDeviceMapping: [],
    instanceLifecycle: i.lifecycle === "spot" ? "spot" : i.capacityBlock ? "capacity-block" : undefined,
    capacityReservationId: i.capacityReservationId,
    spotInstanceRequestId: i.spotInstanceRequestId,
    virtualizationType: "hvm",
    clientToken: i.clientToken ?? "",
    tagSet: i.tags.size > 0 ? tagSet(i.tags) : undefined,
    hypervisor: "xen",
    iamInstanceProfile: i.iamInstanceProfileArn ? { arn: i.iamInstanceProfileArn, id: "AIPAEMULATOR" } : undefined,
    networkInterfaceSet: visibleNetwork
      ? [
          {
            networkInterfaceId: `eni-${i.instanceId.slice(2)}`,
            subnetId: i.subnetId,
            vpcId: i.vpcId,
            ownerId: world.config.accountId,
            status: "in-use",
            privateIpAddress: i.privateIpAddress,
            privateDnsName: i.privateDnsName,
            sourceDestCheck: true,
            groupSet: groups,
            attachment: {
              attachmentId: `eni-attach-${i.instanceId.slice(2)}`,
              deviceIndex: 0,
              networkCardIndex: 0,
              status: "attached",
              attachTime: new Date(i.launchTimeMs),
              deleteOnTermination: true,
            },
            privateIpAddressesSet: [
              { privateIpAddress: i.privateIpAddress, privateDnsName: i.privateDnsName, primary: true },
            ],
            interfaceType: "interface",
          },
        ]
      : [],
    ebsOptimized: false,
    enaSupport: true,
    metadataOptions: {
      state: "applied",
      httpTokens: i.httpTokens ?? "optional",
      httpPutResponseHopLimit: i.httpTokens === "required" ? 2 : 1,
      httpEndpoint: "enabled",
      instanceMetadataTags: "disabled",
    },
    platformDetails: "Linux/UNIX",
    usageOperation: "RunInstances",
    bootMode: i.architecture === "arm64" ? "uefi" : "legacy-bios",
    currentInstanceBootMode: i.architecture === "arm64" ? "uefi" : "legacy-bios",
    privateDnsNameOptions: {
      hostnameType: "ip-name",
      enableResourceNameDnsARecord: false,
      enableResourceNameDnsAAAARecord: false,
    },
  };
}

/** A `Reservation` holding the given instances (all from the same reservation). */
export function reservationXml(reservationId: string, instances: EmulatedInstance[], world: Ec2World): XmlObject {
  return {
    reservationId,
    ownerId: world.config.accountId,
    groupSet: [],
    instancesSet: instances.map((i) => instanceXml(i, world)),
  };
}

/** Groups instances into reservations, keeping first-seen order. */
export function reservationsXml(instances: EmulatedInstance[], world: Ec2World): XmlObject[] {
  const byReservation = new Map<string, EmulatedInstance[]>();
  for (const i of instances) {
    const list = byReservation.get(i.reservationId) ?? [];
    list.push(i);
    byReservation.set(i.reservationId, list);
  }
  return [...byReservation].map(([id, list]) => reservationXml(id, list, world));
}
