/**
 * IAM for the deployed mode: a call is allowed only if the calling role's policies from the template allow every
 * authorization check it implies (an action on a resource ARN with its condition keys), evaluated by
 * `@cloud-copilot/iam-simulate` — the same statement, condition-operator and wildcard semantics as IAM. Only
 * identity policies are modelled (no SCPs, permission boundaries, session policies or resource policies).
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { DeployedRole } from "./template-model.js";

/** One check: `action` on `resource` with these condition keys. */
export interface AuthorizationCheck {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

/** A denied check, with what IAM would say. */
export interface Denial {
  check: AuthorizationCheck;
  result: string;
  message: string;
}

/** A decision of {@link IamEvaluator.authorize}. */
export type AuthorizationDecision = { allowed: true } | { allowed: false; denial: Denial };

/** Evaluates calls against the roles of the template. */
export class IamEvaluator {
  private readonly roles = new Map<string, DeployedRole>();
  /** Every denial so far, in order (the twin's report lists them). */
  readonly denials: (Denial & { roleArn: string })[] = [];

  constructor(
    roles: DeployedRole[],
    private readonly account: string,
  ) {
    for (const r of roles) this.roles.set(r.arn, r);
  }

  /** Allowed only when every check is allowed; the first denied check is returned. */
  async authorize(roleArn: string, checks: AuthorizationCheck[]): Promise<AuthorizationDecision> {
    const role = this.roles.get(roleArn);
    for (const check of checks) {
      const result = role ? await this.evaluate(role, check) : "ImplicitlyDenied";
      if (result === "Allowed" || result === "NotApplicable") continue;
      const denial: Denial = {
        check,
        result,
        message:
          `User: ${this.sessionArn(roleArn)} is not authorized to perform: ${check.action} on resource: ${check.resource} ` +
          `because ${result === "ExplicitlyDenied" ? "an explicit deny" : "no identity-based policy allows"} the ${check.action} action`,
      };
      this.denials.push({ ...denial, roleArn });
      return { allowed: false, denial };
    }
    return { allowed: true };
  }

  private sessionArn(roleArn: string): string {
    const name = roleArn.split("/").pop() ?? roleArn;
    return `arn:aws:sts::${this.account}:assumed-role/${name}/stevedore`;
  }

  private async evaluate(role: DeployedRole, check: AuthorizationCheck): Promise<string> {
    const response = await runSimulation(
      {
        identityPolicies: role.policies.map((p) => ({ name: p.name, policy: p.document })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: {
          action: check.action,
          principal: this.sessionArn(role.arn),
          resource: { accountId: this.account, resource: check.resource },
          contextVariables: check.context ?? {},
        },
      } as Parameters<typeof runSimulation>[0],
      {},
    );
    if (response.resultType === "error") {
      // The simulator validates ARNs against each service's resource types, which have an account: AWS-owned
      // resources (public SSM parameters, `arn:aws:ssm:<region>::parameter/aws/service/...`) fail that validation.
      if (check.resource.split(":")[4] === "") return matchStatements(role, check);
      // A resource type the action does not authorize (CreateFleet and security groups): IAM does not check it.
      if (JSON.stringify(response.errors).includes("no.resource.types")) return "NotApplicable";
      return `error: ${JSON.stringify(response.errors).slice(0, 300)}`;
    }
    return response.overallResult;
  }
}

function glob(pattern: string, value: string): boolean {
  const source = pattern
    .split("*")
    .map((part) => part.split("?").map(escapeRegExp).join("."))
    .join(".*");
  return new RegExp(`^${source}$`, "i").test(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\]/g, "\\$&");
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

/**
 * Plain statement matching for what the simulator cannot validate (AWS-owned ARNs without an account): a statement
 * applies when an action and a resource pattern match and it has no condition; any applying Deny wins.
 */
function matchStatements(role: DeployedRole, check: AuthorizationCheck): string {
  let allowed = false;
  for (const { document } of role.policies) {
    for (const st of document.Statement) {
      if (st.Condition !== undefined) continue;
      if (!list(st.Action).some((a) => glob(a, check.action))) continue;
      if (!list(st.Resource).some((r) => glob(r, check.resource))) continue;
      if (st.Effect === "Deny") return "ExplicitlyDenied";
      allowed = true;
    }
  }
  return allowed ? "Allowed" : "ImplicitlyDenied";
}
