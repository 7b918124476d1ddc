/**
 * SDK client construction for the AWS adapter: one EC2, SSM and Pricing client with low `maxAttempts` (the
 * {@link ApiGate} retries throttling) and an optional local endpoint (moto, the twin's emulator).
 */
import { EC2Client, type EC2ClientConfig } from "@aws-sdk/client-ec2";
import { PricingClient } from "@aws-sdk/client-pricing";
import { SSMClient } from "@aws-sdk/client-ssm";

/** The SDK clients the adapter uses. */
export interface AwsClients {
  ec2: EC2Client;
  ssm: SSMClient;
  pricing: PricingClient;
}

/** How to build the clients. */
export interface AwsClientOptions {
  region: string;
  /** One endpoint for every service (moto, the EC2 emulator). @default the public AWS endpoints */
  endpoint?: string;
  /** @default the SDK's default credential chain */
  credentials?: EC2ClientConfig["credentials"];
  /** SDK-level attempts; keep low, the gate retries throttling. @default 3 */
  maxAttempts?: number;
}

/**
 * The region whose Price List endpoint serves `region` (Karpenter: `ap-*` → ap-south-1, `eu-*` → eu-central-1,
 * `cn-*` → cn-northwest-1, everything else → us-east-1).
 */
export function pricingRegionFor(region: string): string {
  if (region.startsWith("ap-")) return "ap-south-1";
  if (region.startsWith("eu-")) return "eu-central-1";
  if (region.startsWith("cn-")) return "cn-northwest-1";
  return "us-east-1";
}

/** Builds the EC2, SSM and Pricing clients. */
export function createAwsClients(opts: AwsClientOptions): AwsClients {
  const common = {
    maxAttempts: opts.maxAttempts ?? 3,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
  };
  return {
    ec2: new EC2Client({ region: opts.region, ...common }),
    ssm: new SSMClient({ region: opts.region, ...common }),
    pricing: new PricingClient({ region: pricingRegionFor(opts.region), ...common }),
  };
}
