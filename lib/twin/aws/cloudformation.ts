/**
 * CloudFormation (Query protocol, version 2010-05-15): DescribeStacks over stacks registered with
 * `AwsEmulator.putStack`, so tools that resolve a deployed stack's outputs (`stevedore status --stack`) run against
 * the emulator. Only the fields those tools read are modelled: name, id, status, creation time and outputs.
 */
import { AwsApiError } from "./errors.js";
import type { QueryParams } from "./query-params.js";
import { escapeXml } from "./xml.js";

/** The CloudFormation API namespace. */
export const CLOUDFORMATION_NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

/** One stack output. */
export interface StackOutput {
  key: string;
  value: string;
  description?: string;
}

/** A registered stack. */
export interface EmulatedStack {
  name: string;
  id: string;
  status: string;
  createdAtMs: number;
  outputs: StackOutput[];
}

function stackXml(s: EmulatedStack): string {
  const outputs = s.outputs
    .map(
      (o) =>
        `<member><OutputKey>${escapeXml(o.key)}</OutputKey><OutputValue>${escapeXml(o.value)}</OutputValue>` +
        `${o.description ? `<Description>${escapeXml(o.description)}</Description>` : ""}</member>`,
    )
    .join("");
  return (
    `<member><StackName>${escapeXml(s.name)}</StackName><StackId>${escapeXml(s.id)}</StackId>` +
    `<StackStatus>${s.status}</StackStatus><CreationTime>${new Date(s.createdAtMs).toISOString()}</CreationTime>` +
    `<Outputs>${outputs}</Outputs></member>`
  );
}

/** Handles a CloudFormation action over `stacks` (by name); returns the XML document. */
export function handleCloudFormation(
  action: string,
  params: QueryParams,
  stacks: ReadonlyMap<string, EmulatedStack>,
  requestId: string,
): string {
  if (action !== "DescribeStacks") {
    throw new AwsApiError("InvalidAction", `The emulator does not implement CloudFormation ${action}`, 400);
  }
  const name = params.string("StackName");
  let selected: EmulatedStack[];
  if (name === undefined) selected = [...stacks.values()];
  else {
    const stack = stacks.get(name) ?? [...stacks.values()].find((s) => s.id === name);
    if (!stack) throw new AwsApiError("ValidationError", `Stack with id ${name} does not exist`, 400);
    selected = [stack];
  }
  return (
    `<DescribeStacksResponse xmlns="${CLOUDFORMATION_NAMESPACE}"><DescribeStacksResult><Stacks>` +
    `${selected.map(stackXml).join("")}</Stacks></DescribeStacksResult>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></DescribeStacksResponse>`
  );
}

/** A CloudFormation error document (the Query protocol's shape). */
export function cloudFormationErrorXml(code: string, message: string, requestId: string, status: number): string {
  return (
    `<ErrorResponse xmlns="${CLOUDFORMATION_NAMESPACE}"><Error><Type>${status >= 500 ? "Receiver" : "Sender"}</Type>` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
