/**
 * A {@link ConfigSource} over the effective configuration of `lib/state/config-source.ts` (SSM Parameter Store or
 * DynamoDB config items, last good version kept): logs what is wrong, keeps the last configuration that loaded
 * when a read fails, and refuses to run with no pool at all.
 */
import type { StevedoreConfig } from "../api/model.js";
import type { Logger } from "../core/logger.js";
import { type ConfigSourceOptions, loadEffectiveConfig } from "../state/config-source.js";
import type { ConfigSource } from "./deps.js";

/** There is no NodePool in force. */
export class NoConfigurationError extends Error {
  constructor(source: string) {
    super(
      `no NodePool/Provisioner is configured (source: ${source}); apply one with \`stevedore config apply -f <file>\``,
    );
    this.name = "NoConfigurationError";
  }
}

/** The effective configuration, re-read on every `load()`. */
export function effectiveConfigSource(opts: ConfigSourceOptions, logger: Logger): ConfigSource {
  let lastGood: StevedoreConfig | undefined;
  return {
    async load() {
      let config: StevedoreConfig;
      try {
        const eff = await loadEffectiveConfig(opts);
        for (const issue of eff.issues) logger.error("configuration issue", { ...issue });
        for (const warning of eff.warnings) logger.warn("configuration warning", { warning });
        if (eff.config.nodePools.length === 0) throw new NoConfigurationError(eff.source);
        config = eff.config;
      } catch (err) {
        if (err instanceof NoConfigurationError || !lastGood) throw err;
        logger.warn("could not read the configuration; using the last one loaded", { error: String(err) });
        return lastGood;
      }
      lastGood = config;
      return config;
    },
  };
}
