import type { ControlPlane } from './control-plane';
import { grantChartRbac } from './chart-rbac';
import { createNamespace, deleteNamespace, putSecret } from './namespace';
import { OperatorProcess } from './operator-process';
import { OPERATOR_USER } from './shared';

/**
 * A fresh namespace holding the Secrets `rabbit` and `redis`, with the operator
 * running as the chart's ServiceAccount under exactly the chart's rules
 * (grantChartRbac): a rule the chart forgot fails the suite that uses it.
 */
export class ChartOperator {
  private constructor(
    private readonly cp: ControlPlane,
    readonly ns: string,
    private readonly revoke: () => Promise<void>,
    readonly op: OperatorProcess | undefined,
  ) {}

  static async start(cp: ControlPlane, prefix: string, identity: string): Promise<ChartOperator> {
    const ns = await createNamespace(cp.admin, prefix);
    let revoke = (): Promise<void> => Promise.resolve();
    try {
      revoke = await grantChartRbac(cp.admin, ns, ns);
      await putSecret(cp.admin, ns, 'rabbit', { uri: 'amqp://rabbitmq.example:5672' });
      await putSecret(cp.admin, ns, 'redis', { url: 'redis://redis.example:6379' });
      const op = await OperatorProcess.start(cp, { user: OPERATOR_USER, identity, leaseNamespace: ns });
      return new ChartOperator(cp, ns, revoke, op);
    } catch (err) {
      await new ChartOperator(cp, ns, revoke, undefined).stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.op?.stop();
    await deleteNamespace(this.cp.admin, this.ns);
    await this.revoke();
  }
}
