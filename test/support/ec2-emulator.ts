/**
 * Starts the AWS emulator for a test, with real SDK clients pointed at it (dummy static credentials, one attempt
 * per call so injected errors surface instead of being retried). Always `await close()` at the end.
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import { EKSClient } from "@aws-sdk/client-eks";
import { IAMClient } from "@aws-sdk/client-iam";
import { PricingClient } from "@aws-sdk/client-pricing";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import { AwsEmulator, type AwsEmulatorOptions } from "../../lib/twin/aws/index.js";

/** Options of {@link startAwsEmulator}. */
export interface StartAwsEmulatorOptions extends AwsEmulatorOptions {
  /** SDK `maxAttempts` of the returned clients. @default 1 */
  maxAttempts?: number;
}

/** A running emulator and clients bound to it. */
export interface RunningAwsEmulator {
  emulator: AwsEmulator;
  /** Base URL shared by every service. */
  endpoint: string;
  /** Client settings to build more clients: endpoint, region, dummy credentials, maxAttempts. */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    maxAttempts: number;
  };
  ec2: EC2Client;
  ssm: SSMClient;
  pricing: PricingClient;
  eks: EKSClient;
  sts: STSClient;
  /** IAM (instance profiles); not named `iam`, which is the cloud provider's option for the instance-profile API. */
  iamClient: IAMClient;
  /** Destroys the clients and stops the emulator. */
  close(): Promise<void>;
}

/** Starts an emulator on 127.0.0.1 (any free port) and returns SDK clients for it. */
export async function startAwsEmulator(options: StartAwsEmulatorOptions = {}): Promise<RunningAwsEmulator> {
  const { maxAttempts = 1, ...emulatorOptions } = options;
  const emulator = new AwsEmulator(emulatorOptions);
  const endpoint = await emulator.start();
  const clientConfig = {
    endpoint,
    region: emulatorOptions.region ?? "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    maxAttempts,
  };
  const ec2 = new EC2Client(clientConfig);
  const ssm = new SSMClient(clientConfig);
  const pricing = new PricingClient(clientConfig);
  const eks = new EKSClient(clientConfig);
  const sts = new STSClient(clientConfig);
  const iamClient = new IAMClient(clientConfig);
  return {
    emulator,
    endpoint,
    clientConfig,
    ec2,
    ssm,
    pricing,
    eks,
    sts,
    iamClient,
    async close() {
      for (const c of [ec2, ssm, pricing, eks, sts, iamClient]) c.destroy();
      await emulator.close();
    },
  };
}

/** A hand-driven clock for emulator tests. */
export class ManualClock {
  constructor(private ms = Date.UTC(2025, 0, 1)) {}

  now(): number {
    return this.ms;
  }

  /** Moves time forward. */
  advance(ms: number): void {
    this.ms += ms;
  }
}
