import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  EMAIL_FORMAT_MESSAGE,
  PHONE_FORMAT_MESSAGE,
  childFieldId,
  validateForCompletion,
  type ConversationChild,
  type ConversationDraft,
  type ConversationProfile,
} from './conversation-rules.js';

const profile: ConversationProfile = {
  outcomeCodes: ['advice', 'early-help', 'social-work', 'no-further-action'],
  concernCategoryCodes: ['neglect', 'domestic-abuse', 'mental-health'],
  levelCodes: ['universal', 'targeted', 'specialist'],
  agencyCodes: ['school', 'gp', 'police'],
};

function child(overrides: Partial<ConversationChild> = {}): ConversationChild {
  return {
    personId: 'p-1',
    whereNow: 'At school',
    safeTonight: 'yes',
    outcomeCode: 'early-help',
    callerAgreed: true,
    disagreementNote: null,
    nextSteps: 'School to make an early help referral',
    levelCode: 'targeted',
    ...overrides,
  };
}

function completeDraft(overrides: Partial<ConversationDraft> = {}): ConversationDraft {
  return {
    caller: {
      name: 'Sam Teacher',
      role: 'Designated safeguarding lead',
      agencyCode: 'school',
      agencyOther: null,
      phone: '01632 960001',
      email: null,
      callerType: 'professional',
    },
    children: [child()],
    concernCategories: ['neglect'],
    concernDetail: 'Child arriving hungry most days.',
    immediacy: 'soon',
    supportToDate: 'Breakfast club',
    parentsInformed: 'yes',
    consentGiven: 'yes',
    consentReasonCodes: [],
    consentReasonDetail: null,
    lawfulBasisCode: null,
    worries: 'Possible neglect',
    strengths: 'Attends school every day',
    needsToHappen: 'Early help assessment',
    ...overrides,
  };
}

function fieldsOf(draft: ConversationDraft): string[] {
  return validateForCompletion(draft, profile).map((e) => e.field);
}

function messageFor(draft: ConversationDraft, field: string): string | undefined {
  return validateForCompletion(draft, profile).find((e) => e.field === field)?.message;
}

describe('validateForCompletion', () => {
  it('accepts a complete professional conversation', () => {
    assert.deepEqual(validateForCompletion(completeDraft(), profile), []);
  });

  it('accepts a member of the public with no contact details', () => {
    const draft = completeDraft({
      caller: { name: 'A neighbour', role: null, agencyCode: null, agencyOther: null, phone: null, email: null, callerType: 'public' },
    });
    assert.deepEqual(validateForCompletion(draft, profile), []);
  });

  it('reports every problem on an empty draft, each with a stable field id', () => {
    const empty: ConversationDraft = {
      caller: { name: '', role: null, agencyCode: null, agencyOther: null, phone: null, email: null, callerType: null },
      children: [],
      concernCategories: [],
      concernDetail: '   ',
      immediacy: null,
      supportToDate: null,
      parentsInformed: null,
      consentGiven: null,
      consentReasonCodes: [],
      consentReasonDetail: null,
      lawfulBasisCode: null,
      worries: null,
      strengths: null,
      needsToHappen: null,
    };
    assert.deepEqual(validateForCompletion(empty, profile), [
      { field: 'caller-type', message: 'Select whether the caller is a professional or a member of the public' },
      { field: 'caller-name', message: "Enter the caller's name" },
      { field: 'children', message: 'Add at least one child' },
      { field: 'concern-categories', message: 'Select at least one category of concern' },
      { field: 'concern-detail', message: 'Enter details of the concern' },
      { field: 'immediacy', message: 'Select how urgent the concern is' },
      { field: 'parents-informed', message: 'Select whether the parents or carers have been told about the concern' },
      { field: 'consent-given', message: 'Select whether the parents or carers consented to the call' },
      { field: 'worries', message: 'Enter what we are worried about' },
    ]);
  });

  describe('caller', () => {
    it('needs a name, not just spaces', () => {
      const draft = completeDraft();
      draft.caller.name = '  ';
      assert.equal(messageFor(draft, 'caller-name'), "Enter the caller's name");
    });

    it('professionals need an agency from the list', () => {
      const missing = completeDraft();
      missing.caller.agencyCode = null;
      assert.equal(messageFor(missing, 'caller-agency'), "Select the caller's agency");
      const unknown = completeDraft();
      unknown.caller.agencyCode = 'fire-service';
      assert.equal(messageFor(unknown, 'caller-agency'), "Select the caller's agency");
    });

    it("'other' agency needs the agency name typed in", () => {
      const draft = completeDraft();
      draft.caller.agencyCode = 'other';
      assert.deepEqual(fieldsOf(draft), ['caller-agency-other']);
      assert.equal(messageFor(draft, 'caller-agency-other'), "Enter the name of the caller's agency");
      draft.caller.agencyOther = 'Local Scout group';
      assert.deepEqual(fieldsOf(draft), []);
    });

    it('professionals need a phone number or email address', () => {
      const draft = completeDraft();
      draft.caller.phone = null;
      assert.deepEqual(validateForCompletion(draft, profile), [
        { field: 'caller-phone', message: 'Enter a phone number or email address for the caller' },
      ]);
      draft.caller.email = 'sam.teacher@example.sch.uk';
      assert.deepEqual(fieldsOf(draft), []);
    });

    it('checks the format of contact details that were given, for any caller', () => {
      const draft = completeDraft();
      draft.caller.phone = '07700 90098';
      draft.caller.email = 'not-an-email';
      assert.deepEqual(validateForCompletion(draft, profile), [
        { field: 'caller-phone', message: PHONE_FORMAT_MESSAGE },
        { field: 'caller-email', message: EMAIL_FORMAT_MESSAGE },
      ]);
      const pub = completeDraft({
        caller: { name: 'Relative', role: null, agencyCode: null, agencyOther: null, phone: 'unknown', email: null, callerType: 'public' },
      });
      assert.deepEqual(fieldsOf(pub), ['caller-phone']);
    });

    it('members of the public do not need an agency', () => {
      const draft = completeDraft();
      draft.caller.callerType = 'public';
      draft.caller.agencyCode = null;
      draft.caller.phone = null;
      assert.deepEqual(fieldsOf(draft), []);
    });
  });

  describe('children', () => {
    it('names the child by position when no label is given', () => {
      const draft = completeDraft({ children: [child(), child({ outcomeCode: null })] });
      assert.deepEqual(validateForCompletion(draft, profile), [
        { field: 'children-1-outcome', message: 'Select the agreed outcome for child 2' },
      ]);
    });

    it('uses childLabel in messages when given', () => {
      const draft = completeDraft({ children: [child({ childLabel: 'Ellie', levelCode: null })] });
      assert.deepEqual(validateForCompletion(draft, profile), [
        { field: 'children-0-level', message: 'Select the level of need for Ellie' },
      ]);
    });

    it('needs where the child is, whether safe tonight, outcome, level and whether the caller agreed', () => {
      const draft = completeDraft({
        children: [
          child({ childLabel: 'Ellie', whereNow: '', safeTonight: null, outcomeCode: null, levelCode: null, callerAgreed: null }),
        ],
      });
      assert.deepEqual(validateForCompletion(draft, profile), [
        { field: 'children-0-where-now', message: 'Enter where Ellie is now' },
        { field: 'children-0-safe-tonight', message: 'Select whether Ellie is safe tonight' },
        { field: 'children-0-outcome', message: 'Select the agreed outcome for Ellie' },
        { field: 'children-0-level', message: 'Select the level of need for Ellie' },
        { field: 'children-0-caller-agreed', message: 'Select whether the caller agreed with the outcome for Ellie' },
      ]);
    });

    it("accepts 'unknown' for safe tonight", () => {
      assert.deepEqual(fieldsOf(completeDraft({ children: [child({ safeTonight: 'unknown' })] })), []);
    });

    it('treats outcome and level codes that are not in the profile as not chosen', () => {
      const draft = completeDraft({ children: [child({ outcomeCode: 'retired-code', levelCode: 'tier-9' })] });
      assert.deepEqual(fieldsOf(draft), ['children-0-outcome', 'children-0-level']);
    });

    it('needs a note when the caller disagreed with the outcome', () => {
      const disagreed = completeDraft({ children: [child({ callerAgreed: false, disagreementNote: ' ' })] });
      assert.deepEqual(validateForCompletion(disagreed, profile), [
        { field: 'children-0-disagreement-note', message: 'Enter why the caller did not agree with the outcome for child 1' },
      ]);
      const explained = completeDraft({
        children: [child({ callerAgreed: false, disagreementNote: 'School wanted a social work assessment' })],
      });
      assert.deepEqual(fieldsOf(explained), []);
    });
  });

  describe('consent', () => {
    it('consent not given needs a reason, an explanation and a lawful basis', () => {
      const draft = completeDraft({ consentGiven: 'no' });
      assert.deepEqual(validateForCompletion(draft, profile), [
        { field: 'consent-reason-detail', message: 'Explain why consent was not sought' },
        { field: 'consent-reason', message: 'Select why consent was not sought' },
        { field: 'lawful-basis', message: 'Select the lawful basis for sharing information without consent' },
      ]);
    });

    it('is satisfied by a known reason and basis', () => {
      const draft = completeDraft({
        consentGiven: 'no',
        consentReasonCodes: ['risk-to-child', 'undermine-investigation'],
        consentReasonDetail: 'Mother is the alleged abuser; telling her may put the child at risk.',
        lawfulBasisCode: 'public-task-children-act',
      });
      assert.deepEqual(fieldsOf(draft), []);
    });

    it('rejects unknown reason or basis codes', () => {
      const draft = completeDraft({ consentGiven: 'no', consentReasonCodes: ['risk-to-child', 'made-up'], consentReasonDetail: 'See notes', lawfulBasisCode: 'consent' });
      assert.deepEqual(fieldsOf(draft), ['consent-reason', 'lawful-basis']);
    });

    it('needs to know whether parents were told and whether they consented', () => {
      assert.deepEqual(fieldsOf(completeDraft({ parentsInformed: null, consentGiven: null })), ['parents-informed', 'consent-given']);
    });

    it('ignores leftover reasons when consent was given', () => {
      const draft = completeDraft({ consentGiven: 'yes', consentReasonCodes: ['made-up'], lawfulBasisCode: 'nonsense' });
      assert.deepEqual(fieldsOf(draft), []);
    });
  });

  describe('concern', () => {
    it('needs at least one category from the profile', () => {
      assert.deepEqual(fieldsOf(completeDraft({ concernCategories: [] })), ['concern-categories']);
      assert.deepEqual(fieldsOf(completeDraft({ concernCategories: ['neglect', 'made-up'] })), ['concern-categories']);
      assert.deepEqual(fieldsOf(completeDraft({ concernCategories: ['neglect', 'domestic-abuse'] })), []);
    });

    it('needs detail, immediacy and worries', () => {
      const draft = completeDraft({ concernDetail: '', immediacy: null, worries: ' ' });
      assert.deepEqual(fieldsOf(draft), ['concern-detail', 'immediacy', 'worries']);
    });

    it('rejects an immediacy value that is not one of the options', () => {
      const draft = completeDraft({ immediacy: 'urgent' as unknown as ConversationDraft['immediacy'] });
      assert.deepEqual(fieldsOf(draft), ['immediacy']);
    });
  });
});

describe('childFieldId', () => {
  it('builds ids that are valid in HTML', () => {
    assert.equal(childFieldId(0, 'outcome'), 'children-0-outcome');
    assert.equal(childFieldId(12, 'disagreement-note'), 'children-12-disagreement-note');
    assert.match(childFieldId(3, 'safe-tonight'), /^[a-z][a-z0-9-]*$/);
  });
});
