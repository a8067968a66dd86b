/**
 * A tiny grader: spin the README's environment, let a scripted "agent" do its task, then
 * score it on `diff`: exactly the changes the task asks for, and nothing else.
 * Run it after `npm run build`: node --import tsx examples/grader.ts
 */
import { WebClient } from '@slack/web-api';
import { diff, startEnvironment } from 'asymmetric';
import Stripe from 'stripe';

const env = await startEnvironment('examples/environment.yaml', {
  onProgress: (step) => process.stderr.write(`- ${step}\n`),
});
let failures = 0;
const check = (what: string, ok: boolean) => {
  process.stdout.write(`${ok ? 'PASS' : 'FAIL'}  ${what}\n`);
  if (!ok) failures++;
};

try {
  const slackClone = env.clone('slack');
  const stripeClone = env.clone('stripe');
  const slack = new WebClient(slackClone.tokens.botToken, { slackApiUrl: slackClone.endpoints.api });
  const { hostname, port } = new URL(stripeClone.endpoints.api);
  const stripe = new Stripe(stripeClone.tokens.secretKey!, {
    host: hostname,
    port: Number(port),
    protocol: 'http',
  });

  for (const trial of [1, 2]) {
    await env.reset(); // every trial starts from the seed

    // The "agent": refund the most recent successful charge and tell #general.
    const [charge] = (await stripe.charges.list({ limit: 10 })).data.filter((c) => c.paid && !c.refunded);
    if (!charge) throw new Error('the seed has no refundable charge');
    await stripe.refunds.create({ charge: charge.id });
    await slack.chat.postMessage({ channel: 'C0ACME0GEN1', text: `Refunded ${charge.id}` });

    // The grade: what changed, in the vendors' terms.
    const slackChanges = (await diff(slackClone.id)).changes;
    const stripeChanges = (await diff(stripeClone.id)).changes;
    check(
      `trial ${trial}: one message in #general names the charge`,
      slackChanges.length === 1 &&
        slackChanges[0]?.type === 'message' &&
        slackChanges[0].op === 'created' &&
        slackChanges[0].after?.text === `Refunded ${charge.id}`,
    );
    const refunds = stripeChanges.filter((c) => c.type === 'refund' && c.op === 'created');
    check(
      `trial ${trial}: one refund of that charge`,
      refunds.length === 1 && refunds[0]?.after?.charge === charge.id,
    );
    const others = stripeChanges.filter(
      (c) =>
        !(c.type === 'refund' && c.op === 'created') &&
        !(c.type === 'charge' && c.op === 'updated' && c.id === charge.id) &&
        !(c.type === 'balance_transaction' && c.op === 'created'),
    );
    check(
      `trial ${trial}: nothing else changed (${others.map((c) => `${c.op} ${c.type} ${c.id}`).join(', ') || 'none'})`,
      others.length === 0,
    );
  }
} finally {
  await env.destroy();
}
process.exitCode = failures === 0 ? 0 : 1;
