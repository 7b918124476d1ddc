/**
 * CloudWatch metric objects for the contract in `metrics-names.ts`. Dashboard graphs use SEARCH expressions keyed on
 * the dimension *names* (`{Stevedore,cluster,service}` for a total, plus the breakdown dimension for a breakdown), so
 * they draw every breakdown value and do not depend on the `service` value; alarms, which cannot use SEARCH, use
 * exact metrics with the contract's service name.
 */
import type { Duration } from "aws-cdk-lib";
import { MathExpression, Metric } from "aws-cdk-lib/aws-cloudwatch";
import { DIMENSIONS, METRICS_NAMESPACE, METRICS_SERVICE_NAME, type MetricSpec } from "./metrics-names.js";

/** Builds metrics of one cluster. */
export class StevedoreMetrics {
  constructor(private readonly clusterName: string) {}

  /** The exact total metric (base dimensions only), for alarms. */
  total(spec: MetricSpec, opts: { statistic: string; period: Duration; label?: string }): Metric {
    if (!spec.total) throw new Error(`metric ${spec.name} is only published with its ${spec.breakdown} dimension`);
    return new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: spec.name,
      dimensionsMap: { [DIMENSIONS.service]: METRICS_SERVICE_NAME, [DIMENSIONS.cluster]: this.clusterName },
      statistic: opts.statistic,
      period: opts.period,
      ...(opts.label ? { label: opts.label } : {}),
    });
  }

  /**
   * A SEARCH over the metric: with `breakdown`, one line per breakdown value (labelled by the value); without, the
   * total (summed over whatever `service` values publish it), as is the breakdown value `only`.
   */
  search(
    spec: MetricSpec,
    opts: { statistic: string; period: Duration; label?: string; breakdown?: boolean; only?: string },
  ): MathExpression {
    const perValue = opts.breakdown === true && opts.only === undefined;
    const withBreakdown = opts.breakdown === true || opts.only !== undefined;
    if (withBreakdown && !spec.breakdown) throw new Error(`metric ${spec.name} has no breakdown dimension`);
    if (!withBreakdown && !spec.total) throw new Error(`metric ${spec.name} has no total; search its breakdown`);
    const keys = [
      METRICS_NAMESPACE,
      DIMENSIONS.cluster,
      ...(withBreakdown ? [spec.breakdown] : []),
      DIMENSIONS.service,
    ];
    let query = `{${keys.join(",")}} MetricName="${spec.name}" ${DIMENSIONS.cluster}="${this.clusterName}"`;
    if (opts.only !== undefined) query += ` ${spec.breakdown}="${opts.only}"`;
    const search = `SEARCH('${query}', '${opts.statistic}', ${opts.period.toSeconds()})`;
    return new MathExpression({
      expression: perValue ? search : `SUM(${search})`,
      usingMetrics: {},
      ...(perValue ? {} : { label: opts.label ?? spec.name }),
      period: opts.period,
    });
  }
}
