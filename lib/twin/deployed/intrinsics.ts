/**
 * CloudFormation intrinsic functions as a deploy would resolve them, for the twin's deployed mode: `Ref` (pseudo
 * parameters, resources' physical ids), `Fn::GetAtt` (`Arn`, `QueueUrl`, `QueueName`), `Fn::Sub`, `Fn::Join`,
 * `Fn::Select` and `Fn::Split`. Physical names are derived from logical ids (the twin creates every resource
 * under those names).
 */

/** The deploy-time facts intrinsics resolve against. */
export interface DeployTarget {
  account: string;
  region: string;
  partition: string;
  stackName: string;
}

/** A template resource as synthesized. */
export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DependsOn?: string | string[];
}

/** A synthesized CloudFormation template (the parts the twin reads). */
export interface CfnTemplate {
  Resources: Record<string, TemplateResource>;
  Parameters?: Record<string, { Default?: unknown }>;
}

/** An intrinsic the resolver does not model. */
export class UnresolvableIntrinsicError extends Error {
  constructor(what: string) {
    super(`cannot resolve ${what} in the template`);
    this.name = "UnresolvableIntrinsicError";
  }
}

const ARN_SERVICES: Record<string, (t: DeployTarget, name: string) => string> = {
  "AWS::DynamoDB::Table": (t, n) => `arn:${t.partition}:dynamodb:${t.region}:${t.account}:table/${n}`,
  "AWS::SQS::Queue": (t, n) => `arn:${t.partition}:sqs:${t.region}:${t.account}:${n}`,
  "AWS::Lambda::Function": (t, n) => `arn:${t.partition}:lambda:${t.region}:${t.account}:function:${n}`,
  "AWS::IAM::Role": (t, n) => `arn:${t.partition}:iam::${t.account}:role/${n}`,
  "AWS::IAM::ManagedPolicy": (t, n) => `arn:${t.partition}:iam::${t.account}:policy/${n}`,
  "AWS::IAM::InstanceProfile": (t, n) => `arn:${t.partition}:iam::${t.account}:instance-profile/${n}`,
  "AWS::Logs::LogGroup": (t, n) => `arn:${t.partition}:logs:${t.region}:${t.account}:log-group:${n}:*`,
  "AWS::Events::Rule": (t, n) => `arn:${t.partition}:events:${t.region}:${t.account}:rule/${n}`,
};

/** Resolves intrinsics of one template against one deploy target. */
export class IntrinsicResolver {
  constructor(
    private readonly template: CfnTemplate,
    readonly target: DeployTarget,
  ) {}

  /** The physical name the twin gives a resource (explicit name properties win). */
  physicalName(logicalId: string): string {
    const r = this.resource(logicalId);
    const p = r.Properties ?? {};
    const explicit = p.TableName ?? p.QueueName ?? p.FunctionName ?? p.RoleName ?? p.ManagedPolicyName ?? p.Name;
    if (typeof explicit === "string") return explicit;
    return `${this.target.stackName}-${logicalId}`.slice(0, 64);
  }

  /** The ARN of a resource. */
  arn(logicalId: string): string {
    const r = this.resource(logicalId);
    const make = ARN_SERVICES[r.Type];
    if (!make) throw new UnresolvableIntrinsicError(`the Arn of ${logicalId} (${r.Type})`);
    return make(this.target, this.physicalName(logicalId));
  }

  /** The URL of a queue. */
  queueUrl(logicalId: string): string {
    return `https://sqs.${this.target.region}.amazonaws.com/${this.target.account}/${this.physicalName(logicalId)}`;
  }

  /** Resolves every intrinsic in `value`. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== "object") return value;
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && (keys[0] === "Ref" || keys[0].startsWith("Fn::")))
      return this.intrinsic(keys[0], obj[keys[0]]);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = this.resolve(v);
    return out;
  }

  /** {@link resolve}, requiring a string. */
  resolveString(value: unknown, what: string): string {
    const v = this.resolve(value);
    if (typeof v !== "string") throw new UnresolvableIntrinsicError(`${what} (not a string)`);
    return v;
  }

  private resource(logicalId: string) {
    const r = this.template.Resources[logicalId];
    if (!r) throw new UnresolvableIntrinsicError(`a reference to ${logicalId}, which is not in the template`);
    return r;
  }

  private ref(name: string): string {
    const pseudo: Record<string, string> = {
      "AWS::AccountId": this.target.account,
      "AWS::Region": this.target.region,
      "AWS::Partition": this.target.partition,
      "AWS::StackName": this.target.stackName,
      "AWS::URLSuffix": "amazonaws.com",
    };
    if (pseudo[name] !== undefined) return pseudo[name];
    const param = this.template.Parameters?.[name];
    if (param) return String(param.Default ?? "");
    const r = this.resource(name);
    if (r.Type === "AWS::SQS::Queue") return this.queueUrl(name);
    if (r.Type === "AWS::IAM::ManagedPolicy") return this.arn(name);
    return this.physicalName(name);
  }

  private getAtt(id: string, attribute: string): string {
    if (attribute === "Arn") return this.arn(id);
    if (attribute === "QueueUrl") return this.queueUrl(id);
    if (attribute === "QueueName") return this.physicalName(id);
    throw new UnresolvableIntrinsicError(`Fn::GetAtt ${id}.${attribute}`);
  }

  private intrinsic(name: string, arg: unknown): unknown {
    switch (name) {
      case "Ref":
        return this.ref(String(arg));
      case "Fn::GetAtt": {
        const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split(".");
        return this.getAtt(String(id), String(attribute));
      }
      case "Fn::Join": {
        const [sep, parts] = arg as [string, unknown[]];
        return (this.resolve(parts) as unknown[]).map(String).join(sep);
      }
      case "Fn::Sub": {
        const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [String(arg), {}];
        return text.replace(/\$\{([^}]+)\}/g, (_, key: string) => {
          if (vars[key] !== undefined) return String(this.resolve(vars[key]));
          const [id, attribute] = key.split(".");
          return attribute ? this.getAtt(id, attribute) : this.ref(id);
        });
      }
      case "Fn::Select": {
        const [index, list] = arg as [number, unknown];
        return (this.resolve(list) as unknown[])[Number(index)];
      }
      case "Fn::Split": {
        const [sep, text] = arg as [string, unknown];
        return String(this.resolve(text)).split(sep);
      }
      default:
        throw new UnresolvableIntrinsicError(name);
    }
  }
}
