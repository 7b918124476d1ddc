/**
 * Building the stack for template tests: from stack settings, with Lambda bundling skipped and the CDK's built-in
 * CloudFormation validation off (both slow; the subprocess synth test runs the real thing), and with stub Lambda
 * entries in a temporary root so the template tests do not depend on the controllers' handler files (the bundle test
 * checks those). Plus helpers that walk every policy statement of a template.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { LAMBDA_ENTRIES, REPO_ROOT } from "../../lib/infra/lambda-entries.js";
import { parseStackConfig, type RawStackSettings } from "../../lib/infra/stack-config.js";
import { StevedoreStack } from "../../lib/infra/stevedore-stack.js";

/** A temporary project root with stub `handler` entries and the real lock file. */
export function stubRoot(): { root: string; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), "stevedore-infra-"));
  mkdirSync(join(root, "lambdas"));
  for (const entry of Object.values(LAMBDA_ENTRIES)) {
    writeFileSync(join(root, entry), "export async function handler() {}\n");
  }
  symlinkSync(join(REPO_ROOT, "package-lock.json"), join(root, "package-lock.json"));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A synthesized stack. */
export interface Built {
  app: App;
  stack: StevedoreStack;
  template: Template;
  json: {
    Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; [k: string]: unknown }>;
    Outputs?: Record<string, unknown>;
  };
}

/** Builds and synthesizes the stack for `settings` (clusterName/region default to demo/us-east-1). */
export function build(settings: RawStackSettings, root: string): Built {
  process.env.CDK_VALIDATION = "false";
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  const config = parseStackConfig({ clusterName: "demo", region: "us-east-1", ...settings });
  const stack = new StevedoreStack(app, "Stevedore", { config, root });
  const template = Template.fromStack(stack);
  return { app, stack, template, json: template.toJSON() as Built["json"] };
}

/** An IAM (or resource) policy statement as synthesized. */
export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
}

/** Every statement anywhere in the template (any object with a `Statement` list), with the resource it is in. */
export function allStatements(json: Built["json"]): { logicalId: string; type: string; statement: Statement }[] {
  const out: { logicalId: string; type: string; statement: Statement }[] = [];
  const walk = (node: unknown, logicalId: string, type: string) => {
    if (Array.isArray(node)) {
      for (const x of node) walk(x, logicalId, type);
      return;
    }
    if (!node || typeof node !== "object") return;
    const obj = node as Record<string, unknown>;
    if (Array.isArray(obj.Statement)) {
      for (const s of obj.Statement) out.push({ logicalId, type, statement: s as Statement });
    }
    for (const v of Object.values(obj)) walk(v, logicalId, type);
  };
  for (const [logicalId, r] of Object.entries(json.Resources)) walk(r.Properties, logicalId, r.Type);
  return out;
}

/** A statement's actions as a list. */
export function actionsOf(s: Statement): string[] {
  return Array.isArray(s.Action) ? s.Action : [s.Action];
}

/** A statement's resources as flattened strings (`Fn::Join` joined, references as `<Ref>`). */
export function resourcesOf(s: Statement): string[] {
  const flat = (v: unknown): string => {
    if (typeof v === "string") return v;
    const o = v as Record<string, unknown>;
    if (o["Fn::Join"]) {
      const [sep, parts] = o["Fn::Join"] as [string, unknown[]];
      return parts.map(flat).join(sep);
    }
    if (o.Ref) return `<${o.Ref}>`;
    if (o["Fn::GetAtt"]) return `<${(o["Fn::GetAtt"] as string[]).join(".")}>`;
    return JSON.stringify(v);
  };
  const r = s.Resource;
  return r === undefined ? [] : Array.isArray(r) ? r.map(flat) : [flat(r)];
}

/** Condition keys of a statement (any operator). */
export function conditionKeys(s: Statement): string[] {
  return Object.values(s.Condition ?? {}).flatMap((o) => Object.keys(o));
}

/** The resources of one type, by logical id. */
export function resourcesOfType(json: Built["json"], type: string): [string, Record<string, unknown>][] {
  return Object.entries(json.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, (r.Properties ?? {}) as Record<string, unknown>]);
}

/** The value at a path of keys/indices in parsed JSON (undefined when any step is missing). */
export function dig(value: unknown, ...path: (string | number)[]): unknown {
  let v: unknown = value;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

/** `dig` for a list (empty when absent). */
export function digList(value: unknown, ...path: (string | number)[]): unknown[] {
  const v = dig(value, ...path);
  return Array.isArray(v) ? v : [];
}
