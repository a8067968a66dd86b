import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { KitError } from '../../templates/_shared/kit-error.js';
import { declareParams, param, validateParams } from '../../templates/_shared/parameters.js';
import { describeIssues, slackInteger, slackString } from '../../templates/slack/backend/args.js';
import { decodeCursor, encodeCursor } from '../../templates/slack/backend/cursor.js';
import { describeParamIssues, slackErrorFromKit } from '../../templates/slack/backend/slack-error.js';
import { pageOf } from '../../templates/stripe/backend/list.js';
import { boolean, integer, missing, oneOf, rejectUnknown } from '../../templates/stripe/backend/params.js';
import { StripeError, stripeErrorFromKit } from '../../templates/stripe/backend/stripe-error.js';

const kitError = (run: () => unknown): KitError => {
  try {
    run();
  } catch (error) {
    if (error instanceof KitError) return error;
    throw error;
  }
  throw new Error('expected a KitError');
};
const stripeBody = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof StripeError) return error.toBody();
    throw error;
  }
  throw new Error('expected a StripeError');
};
const request = { req: { method: 'POST', path: '/v1/things' } };

describe("the templates' renderers of kit errors", () => {
  it("render a declared schema's issues exactly as Stripe's params.ts words the same refusals", () => {
    const schema = declareParams({
      amount: param.integer({ min: 1 }),
      capture: param.boolean().optional(),
      mode: param.oneOf(['payment', 'setup', 'subscription']).optional(),
    });
    const viaKit = (raw: Record<string, unknown>) =>
      stripeErrorFromKit(
        kitError(() => validateParams(schema, raw)),
        request,
      ).toBody();
    expect(viaKit({ amount: '12x' })).toEqual(stripeBody(() => integer('12x', 'amount')));
    expect(viaKit({ amount: '12x' })).toEqual({
      error: {
        code: 'parameter_invalid_integer',
        doc_url: 'https://stripe.com/docs/error-codes/parameter-invalid-integer',
        message: 'Invalid integer: 12x',
        param: 'amount',
        type: 'invalid_request_error',
      },
    });
    expect(viaKit({}).error).toMatchObject({
      code: 'parameter_missing',
      message: 'Missing required param: amount.',
    });
    expect(viaKit({ amount: '0' })).toEqual(stripeBody(() => integer('0', 'amount', { min: 1 })));
    expect(viaKit({})).toEqual(stripeBody(() => missing('amount')));
    expect(viaKit({ amount: '5', capture: 'yes' })).toEqual(stripeBody(() => boolean('yes', 'capture')));
    expect(viaKit({ amount: '5', mode: 'x' })).toEqual(
      stripeBody(() => oneOf('x', 'mode', ['payment', 'setup', 'subscription'])),
    );
    // An unknown parameter is named first, as Stripe checks those first.
    expect(viaKit({ amount: 'x', colour: 'red' })).toEqual(
      stripeBody(() => rejectUnknown({ colour: 'red' }, ['amount'])),
    );
  });

  it("render the kit's refusals in Stripe's and Slack's envelopes", () => {
    const notFound = new KitError('not_found', 'no route');
    expect(stripeErrorFromKit(notFound, request).status).toBe(404);
    expect(stripeErrorFromKit(notFound, request).message).toContain(
      'Unrecognized request URL (POST: /v1/things)',
    );
    expect(stripeErrorFromKit(new KitError('not_ready', ''), request).details.headers).toEqual({
      'Retry-After': '1',
    });
    expect(slackErrorFromKit(notFound)).toMatchObject({ code: 'unknown_method', status: 404 });
    expect(slackErrorFromKit(new KitError('unexpected', ''))).toMatchObject({
      code: 'internal_error',
      status: 500,
    });
  });

  it("word Slack's invalid_arguments as describeIssues does, naming an absent argument missing", () => {
    const schema = z.object({ channel: slackString.required(), limit: slackInteger.optional() });
    const raw = { limit: 'ten' };
    const direct = describeIssues(schema.safeParse(raw).error as z.ZodError);
    const viaKit = describeParamIssues(kitError(() => validateParams(schema, raw)).details.issues ?? []);
    // The same for a value; for an absent union-typed argument zod 4 only says "Invalid input".
    expect(viaKit[1]).toEqual(direct[1]);
    expect(direct[0]).toBe('invalid value for field: channel (Invalid input)');
    expect(viaKit).toEqual([
      'missing required field: channel',
      'invalid value for field: limit (expected an integer)',
    ]);
  });

  it("page Stripe's embedded lists and Slack's cursors through the kit's pagination", () => {
    const lines = ['il_1', 'il_2', 'il_3'].map((id) => ({ id }));
    const spec = { url: '/v1/invoices/in_1/lines', noun: 'line item' };
    expect(pageOf(lines, { limit: '2' }, spec)).toEqual({
      object: 'list',
      data: lines.slice(0, 2),
      has_more: true,
      url: spec.url,
    });
    expect(pageOf(lines, { starting_after: 'il_2' }, spec).data).toEqual([{ id: 'il_3' }]);
    expect(pageOf(lines, { ending_before: 'il_3', limit: '1' }, spec)).toMatchObject({
      data: [{ id: 'il_2' }],
      has_more: true,
    });
    expect(stripeBody(() => pageOf(lines, { starting_after: 'il_9' }, spec))).toMatchObject({
      error: { code: 'resource_missing', param: 'starting_after', message: "No such line item: 'il_9'" },
    });
    expect(decodeCursor('user', encodeCursor('user', 'U1'), /^U\d$/)).toBe('U1');
    expect(() => decodeCursor('user', 'junk', /^U\d$/)).toThrow('invalid_cursor');
  });
});
