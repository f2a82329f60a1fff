import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { cleanUp, completeConversationByApi, createServiceAccount, createTestApp, createTestContext, createUser, signedInAgent, type TestContext } from '../../../test/support/harness.js';

describe('a child’s MASH enquiries on their record', () => {
  let ctx: TestContext;
  let app: FastifyInstance;
  let childId: string;
  let reference: string;
  let enquiryId: string;

  before(async () => {
    ctx = await createTestContext();
    app = await createTestApp(ctx);
    const worker = await createUser(ctx, { role: 'cads-worker' });
    const token = await createServiceAccount(ctx, { role: 'cads-worker' });
    const conversation = await completeConversationByApi(app, token, { workerEmail: worker.email, callerEmail: null, familyName: 'Ravenscroft' });
    const e = await ctx.db.selectFrom('mash_enquiries').select(['id', 'reference']).where('conversation_id', '=', conversation.id).executeTakeFirstOrThrow();
    enquiryId = e.id;
    reference = e.reference;
    childId = (await ctx.db.selectFrom('mash_enquiry_children').select('person_id').where('enquiry_id', '=', e.id).executeTakeFirstOrThrow()).person_id;
  });
  after(() => cleanUp(() => app?.close(), () => ctx?.close()));

  test('a social worker sees the enquiry, its stage and a link to it', async () => {
    const worker = await createUser(ctx, { role: 'cads-worker' });
    const page = await (await signedInAgent(app, worker.email)).get(`/people/${childId}`);
    assert.equal(page.status, 200);
    assert.match(page.body, /id="mash-enquiries"/, 'the record has a MASH enquiries section');
    assert.ok(page.body.includes(`href="/mash/enquiries/${enquiryId}"`), 'the enquiry is linked');
    assert.ok(page.body.includes(reference), 'its reference is shown');
    assert.match(page.body, /Not rated yet/);
  });

  test('an EDT worker sees that there is one, without a link into the MASH', async () => {
    const edt = await createUser(ctx, { role: 'edt-worker' });
    const page = await (await signedInAgent(app, edt.email)).get(`/people/${childId}`);
    assert.equal(page.status, 200);
    assert.ok(page.body.includes(reference), 'its reference is shown');
    assert.ok(!page.body.includes(`href="/mash/enquiries/${enquiryId}"`), 'no link for a role that cannot open it');
  });

  test('a child with no enquiry has no MASH section, and another council cannot open the record', async () => {
    const worker = await createUser(ctx, { role: 'cads-worker' });
    const agent = await signedInAgent(app, worker.email);
    const other = randomUUID();
    await ctx.db.insertInto('persons').values({ id: other, authority_id: 'norfolk', given_name: 'Test', family_name: 'Nobody-Asked', date_of_birth: '2017-03-04' }).execute();
    const page = await agent.get(`/people/${other}`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.body, /id="mash-enquiries"/);
    const stoke = await createUser(ctx, { role: 'mash-coordinator', authorityId: 'stoke-on-trent' });
    assert.equal((await (await signedInAgent(app, stoke.email)).get(`/people/${childId}`)).status, 404);
  });
});
