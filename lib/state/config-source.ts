/**
 * The effective configuration: NodePools and NodeClasses loaded from SSM Parameter Store or from the state table's
 * config items, validated, with invalid documents reported and the last good version kept in force.
 *
 * **Precedence.** When an SSM path is configured, SSM is the single source of truth: config items in DynamoDB are
 * ignored (with one warning naming how many). Without an SSM path, the DynamoDB config items are the source. The two
 * are never merged, so there is never a question of which copy of `default` wins.
 *
 * **SSM.** Every parameter under the path (recursive, decrypted, any depth) holds YAML, possibly several documents.
 * A parameter is the unit of validity: if any document in it is invalid, its issues are reported and the last text
 * of that parameter that validated — kept in the state table as `CONFIG_LASTGOOD` / `<parameter name>` — stays in
 * force (with a warning); with no last good text, the parameter contributes nothing. A valid parameter's text is
 * saved as its last good version (only when its SSM version is newer than the saved one).
 *
 * **DynamoDB.** Items are validated before they are stored (`stevedore config apply`), and re-validated when read:
 * an item that no longer validates (e.g. after an upgrade tightened a rule) is reported and left out.
 *
 * **Per container.** Every load reads the documents from their source; a text already parsed with the same values
 * for its placeholders is not parsed and validated again (`parsed-documents.ts`).
 *
 * Across documents (`checkConfig` of `lib/api`): a NodePool or NodeClass name defined twice is an issue and the first
 * definition (in parameter-name or item order) is kept; a pool whose node class is not in force is an issue and the
 * pool is left out.
 */
import type { SSMClient } from "@aws-sdk/client-ssm";
import { checkConfig, type ValidationIssue } from "../api/index.js";
import type { NodeClass, NodePool, StevedoreConfig } from "../api/model.js";
import type { LastGoodConfig } from "./config-store.js";
import { parseConfigDocumentsCached } from "./parsed-documents.js";
import { readConfigParameters } from "./ssm-parameters.js";
import type { ConfigItem } from "./types.js";

/** What the config source needs from the state store. */
export interface ConfigDocumentStore {
  readonly tableName: string;
  listConfig(): Promise<ConfigItem[]>;
  getLastGoodConfig(parameterName: string): Promise<LastGoodConfig | undefined>;
  putLastGoodConfig(rec: LastGoodConfig): Promise<void>;
}

/** Options of {@link loadEffectiveConfig}. */
export interface ConfigSourceOptions {
  store: ConfigDocumentStore;
  /** SSM Parameter Store source; when set it is the source of truth. @default unset (DynamoDB config items) */
  ssm?: { client: SSMClient; path: string };
  /** Environment for `${VAR}` placeholders in documents. @default process.env */
  env?: Record<string, string | undefined>;
  /** Time stamp for saved last good texts. @default wall clock */
  clock?: { now(): number };
}

/** The loaded configuration and what went wrong on the way. */
export interface EffectiveConfig {
  /** Valid objects in force (`config.warnings` = {@link EffectiveConfig.warnings}). */
  config: StevedoreConfig;
  /** Problems of documents that are not (or not in their latest version) in force. */
  issues: ValidationIssue[];
  /** Parse warnings and source notes (fallbacks to last good versions, ignored DynamoDB items). */
  warnings: string[];
  source: "ssm" | "dynamodb";
}

/** Loads and validates the effective configuration (see the module comment for precedence and fallbacks). */
export async function loadEffectiveConfig(opts: ConfigSourceOptions): Promise<EffectiveConfig> {
  const env = opts.env ?? process.env;
  const collector: Collected = { nodePools: [], nodeClasses: [], issues: [], warnings: [] };
  if (!opts.ssm) {
    for (const item of await opts.store.listConfig()) {
      const file = `dynamodb:${opts.store.tableName}/${item.kind}/${item.name}`;
      const parsed = parseConfigDocumentsCached(item.document, file, env);
      if (parsed.issues.length > 0) {
        collector.issues.push(...parsed.issues);
        collector.warnings.push(`${file}: version ${item.version} no longer validates; it is not in force`);
        continue;
      }
      add(collector, parsed);
    }
    return result(collector, "dynamodb");
  }

  const now = (opts.clock ?? { now: () => Date.now() }).now();
  const ignored = await opts.store.listConfig();
  if (ignored.length > 0) {
    collector.warnings.push(
      `dynamodb:${opts.store.tableName}: ${ignored.length} config item(s) ignored: SSM path ${opts.ssm.path} is the source of truth`,
    );
  }
  for (const param of await readConfigParameters(opts.ssm.client, opts.ssm.path)) {
    const file = `ssm:${param.name}`;
    const parsed = parseConfigDocumentsCached(param.value, file, env);
    if (parsed.issues.length === 0) {
      add(collector, parsed);
      const saved = await opts.store.getLastGoodConfig(param.name);
      if (!saved || saved.parameterVersion < param.version) {
        await opts.store.putLastGoodConfig({
          parameterName: param.name,
          parameterVersion: param.version,
          text: param.value,
          savedAt: now,
        });
      }
      continue;
    }
    collector.issues.push(...parsed.issues);
    const lastGood = await opts.store.getLastGoodConfig(param.name);
    const fallback =
      lastGood && lastGood.parameterVersion !== param.version
        ? parseConfigDocumentsCached(lastGood.text, `${file}@${lastGood.parameterVersion}`, env)
        : undefined;
    if (lastGood && fallback && fallback.issues.length === 0) {
      add(collector, fallback);
      collector.warnings.push(
        `${file}: version ${param.version} is invalid; last good version ${lastGood.parameterVersion} stays in force`,
      );
    } else {
      collector.warnings.push(`${file}: version ${param.version} is invalid and no valid earlier version is known`);
    }
  }
  return result(collector, "ssm");
}

/** Objects, issues and warnings gathered from the documents of one source. */
interface Collected {
  nodePools: NodePool[];
  nodeClasses: NodeClass[];
  issues: ValidationIssue[];
  warnings: string[];
}

function add(collected: Collected, parsed: { nodePools: NodePool[]; nodeClasses: NodeClass[]; warnings: string[] }) {
  collected.nodePools.push(...parsed.nodePools);
  collected.nodeClasses.push(...parsed.nodeClasses);
  collected.warnings.push(...parsed.warnings);
}

/** Cross-document checks; pools whose node class is missing are left out of the effective config. */
function result(collected: Collected, source: EffectiveConfig["source"]): EffectiveConfig {
  const checked = checkConfig(collected.nodePools, collected.nodeClasses, { warnings: collected.warnings });
  const classNames = new Set(checked.config.nodeClasses.map((nc) => nc.name));
  const config: StevedoreConfig = {
    nodePools: checked.config.nodePools.filter((p) => classNames.has(p.nodeClassName)),
    nodeClasses: checked.config.nodeClasses,
    warnings: checked.config.warnings,
  };
  return { config, issues: [...collected.issues, ...checked.issues], warnings: config.warnings, source };
}
