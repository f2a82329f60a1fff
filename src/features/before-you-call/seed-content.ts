/**
 * The first content of each authority's "Before you call" pages, loaded the first time the pages
 * are read (see BeforeYouCallService.ensureSeeded). After that, administrators edit it in Front Door
 * and every change is a new version; this file is never read again for that authority.
 *
 * Norfolk's words come from its CADS FAQ (seeds 001 and 003), Stoke-on-Trent's from its ChAD FAQ
 * and guide for partners (seeds 000 and 002). Staffordshire's are illustrative: written in the same
 * spirit, not taken from a Staffordshire document. The threshold guide's examples are our own words.
 *
 * Bodies are plain text: paragraphs separated by a blank line, lines starting "- " are bullets.
 */
import type { AuthorityProfile } from '../../domain/authority-profile.js';
import { weeklyHoursWords } from '../../domain/call-checker.js';

export type Section = 'faq' | 'checker' | 'threshold-guide';
export const SECTIONS: Section[] = ['checker', 'faq', 'threshold-guide'];
export const SECTION_LABELS: Record<Section, string> = {
  checker: '“Should I call?” checker',
  faq: 'Frequently asked questions',
  'threshold-guide': 'Threshold guide (continuum of need)',
};

export interface SeedPage {
  key: string;
  title: string;
  body: string;
}

/** The checker's texts, by key: every authority has all four. */
export const CHECKER_KEYS = {
  whenToCall: 'checker-when-to-call',
  haveReady: 'checker-have-ready',
  record: 'checker-record',
  earlyHelp: 'checker-early-help',
} as const;

export const levelKey = (code: string) => `level-${code.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;

const professionalsLine = (p: AuthorityProfile) => p.phoneLines.find((l) => l.for === 'professionals') ?? p.phoneLines[0]!;
const publicLine = (p: AuthorityProfile) => p.phoneLines.find((l) => l.for === 'public');
const optionsText = (p: AuthorityProfile) =>
  professionalsLine(p).options.map((o) => `- Option ${o.digit}: ${o.label}`).join('\n');
const hoursText = (p: AuthorityProfile) => weeklyHoursWords(p.openingHours).join('; ');

// ---------------------------------------------------------------------------
// Norfolk (seeds 001 and 003)
// ---------------------------------------------------------------------------

function norfolk(p: AuthorityProfile): Record<Section, SeedPage[]> {
  const line = professionalsLine(p);
  const pub = publicLine(p);
  return {
    checker: [
      {
        key: CHECKER_KEYS.whenToCall,
        title: 'When do I call CADS?',
        body: `Please remember that the CADS should only be contacted when there are concerns about a child's safety or wellbeing, and you believe they may be at risk of harm. This includes:

- Immediate Safeguarding Concerns - where a child is at risk of significant harm, including physical, emotional, sexual abuse, or neglect.
- Escalating Concerns - where previous support or interventions have not improved the situation and concerns are increasing. This includes when you have completed a plan which has been reviewed and amended, and the child's needs are not being met or have increased.
- Concerns About Parenting Capacity - where a parent or carer's ability to meet a child's needs is compromised due to issues such as substance misuse, mental health, or domestic abuse.
- Professional Consultation - Where the situation is complex and you require advice or guidance on appropriate next steps.`,
      },
      {
        key: CHECKER_KEYS.haveReady,
        title: 'What the Consultant Social Worker will ask you',
        body: `You can use the Children's Advice and Duty Service Professional Flowchart to prepare for your call. The Consultant Social Worker handling your call will want to know:

- everything you and your agency know about the child
- who is in the family, including brothers and sisters, and where you can, extended family and anyone important in the child's life
- what your concern is and how immediate it is
- what work or support you or your agency have given the child or family so far
- where the child is now
- whether you have told the parents or carers about your concern, and whether they agree to the call`,
      },
      {
        key: CHECKER_KEYS.record,
        title: 'Record the call and consent in your own system',
        body: `It is best practice to keep a record of the contact you have made; the discussion and any decisions made within your own agency recording system. You should also record whether you have obtained parental consent and if not, why not.

CADS will provide written feedback from every conversation.`,
      },
      {
        key: CHECKER_KEYS.earlyHelp,
        title: 'When do I request Early Help support?',
        body: `For concerns that do not meet the above threshold, Early Help support & guidance can be accessed via Request for support - Norfolk County Council. Early Help is designed to support children, young people, and families experiencing difficulties that may affect their wellbeing, development, or ability to flourish. It aims to:

- Prevent problems from escalating by addressing issues early.
- Support the wider family context, including parents, carers, and siblings.
- Improve outcomes such as school attendance, mental health, and relationships.
- Encourage multi-agency working, bringing together professionals to create a coordinated support plan.
- Empower families by focusing on strengths and helping build resilience.

Early Help works with the family's agreement, so talk to the family about it first.`,
      },
    ],
    faq: [
      { key: 'faq-what-is-the-mash', title: 'What is the MASH?', body: `The Multi-Agency Safeguarding Hub (MASH) provides vital cross-agency checks for those children most at risk. The Children's Advice and Duty Service (CADS) within the MASH helps to support those children who need it the most.` },
      { key: 'faq-aim', title: "What is the aim of the Children's Advice and Duty Service?", body: `The aim is to get the right support for children and families when there are safeguarding concerns and a child is at risk of significant harm, including physical, emotional, sexual abuse or neglect. By talking through concerns and solutions with professionals we can work even better together and support families earlier.` },
      { key: 'faq-when-to-call', title: 'When do I call CADS?', body: `Please remember that the CADS should only be contacted when there are concerns about a child's safety or wellbeing, and you believe they may be at risk of harm. This includes immediate safeguarding concerns, escalating concerns, concerns about parenting capacity and professional consultation. The "Should I call?" checker on these pages goes through them with you.

If you consider the incident to be an emergency, please call 999.

If the child, young person or family have an allocated worker, please contact them directly.` },
      { key: 'faq-early-help', title: 'When do I request Early Help support?', body: `For concerns that do not meet the threshold for CADS, Early Help support & guidance can be accessed via Request for support - Norfolk County Council. Early Help is designed to support children, young people, and families experiencing difficulties that may affect their wellbeing, development, or ability to flourish.` },
      { key: 'faq-contact', title: 'How do I contact CADS?', body: `If you are a professional and have concerns about a child, you can call ${line.number}.

Please choose from the following options:

${optionsText(p)}` },
      { key: 'faq-public-number', title: 'What number do members of the public call?', body: `Customer Service Centre number ${pub?.number ?? p.edt.phone}.` },
      { key: 'faq-information', title: 'What information do I need to give when I call?', body: `You can use the Children's Advice and Duty Service Professional Flowchart to prepare for your call. This includes details on what information the Consultant Social Worker will need handling your call. The "Should I call?" checker on these pages lists it too.` },
      { key: 'faq-consent', title: "Do I have to get a parents' consent before I make a call?", body: `Ideally yes, but you can make a call to the service without parents' consent. While it is good practice to seek consent, there are some exceptions when it comes to protecting children. For example, if having a conversation with the family would place the child, or another child, or someone else, or you the referrer, at increased risk of suffering harm you do not need consent. You also don't need consent if it might undermine the investigation of a serious crime. CADS will confirm this information with you when you call.` },
      { key: 'faq-evidence', title: 'How do I evidence that I have contacted Children’s Services? How will information be recorded?', body: `It is best practice to keep a record of the contact you have made; the discussion and any decisions made within your own agency recording system. You should also record whether you have obtained parental consent and if not, why not.

CADS will provide written feedback from every conversation.` },
      { key: 'faq-records', title: 'What records of the conversation will be made and how will they be kept?', body: `This will depend on the individual discussion and the risks identified to a child. It will also depend on whether you have got consent from the child's parents. However, we will record all the conversations on our system; by having a record, we will also be able to see when there might be a repetition or accumulation of concerns about a child.` },
      { key: 'faq-conversation-consultation-referral', title: 'What is the difference between a conversation, consultation and referral?', body: `All calls will result in a conversation. The outcome of the conversation will depend on the levels of concerns raised and the agreed course of action. We are moving away from the restrictions of terminology like consultation and referral, however, the Consultant Social Worker and caller will agree and record the outcome of any conversation.` },
      { key: 'faq-opening-hours', title: "What are the opening hours of the Children's Advice and Duty Service?", body: `${hoursText(p)}.

The service is closed on bank holidays.` },
      { key: 'faq-out-of-hours', title: 'What do I do outside of these hours?', body: `You can continue to contact our ${p.edt.name} on ${p.edt.phone}.` },
      { key: 'faq-disagree', title: 'What happens if I disagree with what the social worker recommends?', body: `The aim of the service is to work together to come up with the right support or service for a child or family. We hope that professional disagreements will be rare but if you wish to escalate you can follow the ${p.disagreementPolicy.name}.` },
      { key: 'faq-feedback', title: 'How can I provide feedback about the service?', body: `When the caller receives the record of the conversation, there will be a link included to a short survey so that all callers can provide feedback on the service provided.` },
      { key: 'faq-contribute', title: 'How can I contribute to the FAQs?', body: `Use "Ask a question about the service" on these pages. Callers can also email the NSCP Business Unit with questions as they arise on nscb@norfolk.gov.uk and they will be passed to the Children's Advice and Duty Service.

This is an iterative document and will be reviewed monthly.` },
    ],
    'threshold-guide': [],
  };
}

// ---------------------------------------------------------------------------
// Stoke-on-Trent (seeds 000 and 002)
// ---------------------------------------------------------------------------

function stoke(p: AuthorityProfile): Record<Section, SeedPage[]> {
  const line = professionalsLine(p);
  return {
    checker: [
      {
        key: CHECKER_KEYS.whenToCall,
        title: "When to call the children's advice and duty service",
        body: `Call us when you are worried about a child's safety or wellbeing and you think they may be at risk of harm. This includes:

- Immediate safeguarding concerns - a child is at risk of significant harm: physical, emotional or sexual abuse, or neglect.
- Escalating concerns - support you or others have given has not made things better and the worries are growing, or a plan has been reviewed and the child's needs are still not met.
- Concerns about parenting capacity - a parent's or carer's ability to meet the child's needs is affected by, for example, substance misuse, mental health or domestic abuse.
- Professional consultation - the situation is complex and you want advice on the right next steps.

Our consultant social workers and senior social workers will talk your concerns through with you and agree with you the right support at the right time.`,
      },
      {
        key: CHECKER_KEYS.haveReady,
        title: 'To make a comprehensive referral, the following information will be requested',
        body: `- All the details known to you/your agency about the child;
- The family composition including siblings, and where possible extended family members and anyone important in the child's life;
- The nature of the concern and how immediate it is;
- Details of any work/support that you have provided to the child or family to date.
- Details of where the child is.
- Whether you have informed parents/carers of your concern. Please be aware that consent from the parent/carer will be required to make a referral unless this places the child at any further risk.`,
      },
      {
        key: CHECKER_KEYS.record,
        title: 'Remember to record your concerns',
        body: `Please remember to record your concerns for your internal audit trail, and whether the parents or carers agreed to you sharing them, and if not, why not.

Our advisors will send you a record of the call, however we strongly advise you to take notes for your own audit purposes.

Data protection legislation does not prevent the sharing of information to keep a child safe and consent is not required when sharing information for safeguarding and protecting the welfare of a child. In line with the restorative practice approach to working with families, we advise that you must consider consent and be open and honest with the family from the outset as to why, what, how and with whom, their information will be shared.`,
      },
      {
        key: CHECKER_KEYS.earlyHelp,
        title: 'Early help for concerns below the threshold',
        body: `If your concern does not meet the threshold for the children's advice and duty service, the family may be helped by Early Help from the wider partnership. We don't want to subject children and families to unnecessary social work assessments if their needs can be met by support from the wider partnership agencies.

Early Help works with the family's agreement: talk to the family about it, then make a request for support.`,
      },
    ],
    faq: [
      { key: 'faq-why-changing', title: 'Why are the current Multi Agency Safeguarding Hub (MASH) arrangements changing?', body: `We want to provide children and families in Stoke-on-Trent with the best service possible to ensure we meet their needs. Due to increased demand our level of service has not been as effective as we would like. Going forward we want to manage concerns raised to us in a robust and safe manner with our partners. This way children and families will receive the right support at the right time.` },
      { key: 'faq-changes', title: 'What are the changes?', body: `The children's advice and duty service (ChAD) will no longer take written referrals (with the exception of referrals from emergency services). Instead, consultant social workers and senior social workers who are knowledgeable and experienced within child protection and safeguarding will provide advice and support, discuss concerns and ask key questions about the risks and strengths within the family.` },
      { key: 'faq-mash', title: 'Will the Multi Agency Safeguarding Hub (MASH) still exist?', body: `Yes. The Multi Agency Safeguarding Hub will continue to provide cross-agency checks for children who are most at risk. The children's advice and duty service will be able to process referrals with partner agencies to ensure the right support is available to children and families in Stoke-on-Trent at the right time.` },
      { key: 'faq-aim', title: "What is the aim of the children's advice and duty service?", body: `We want to get the right support to children and families first time. Research suggests that by talking through concerns and solutions with professionals we can work together to get the right support to children and families earlier. We don't want to subject children and families to unnecessary social work assessments if their needs can be met by support from the wider partnership agencies.` },
      { key: 'faq-contact', title: "How do I contact the children's advice and duty service?", body: `For all new referrals to the service please call ${line.number}. Please follow the options to ensure you receive the appropriate response:

${optionsText(p)}` },
      { key: 'faq-information', title: 'What information do I need to give when I call?', body: `The "Should I call?" checker on these pages helps you prepare for your call. It includes full details of the information you will need to discuss:

- All the details known to you/your agency about the child;
- The family composition including siblings, and where possible extended family members and anyone important in the child's life;
- The nature of the concern and how immediate it is;
- Details of any work/support that you have provided to the child or family to date.
- Details of where the child is.
- Whether you have informed parents/carers of your concern.` },
      { key: 'faq-recorded', title: 'What information will be recorded?', body: `Our advisors will send you a record of the call, however we strongly advise you to take notes for your own audit purposes.` },
      { key: 'faq-consent', title: 'Do I need the family’s consent to share information?', body: `Data protection legislation does not prevent the sharing of information to keep a child safe and consent is not required when sharing information for safeguarding and protecting the welfare of a child.

While encouraged, the agreement of the child and parents is not required to share information, although it is important to explain the reasons for this. In line with the restorative practice approach to working with families, we advise that you must consider consent and be open and honest with the family from the outset as to why, what, how and with whom, their information will be shared.

More details can be found in the Working Together guidance.` },
      { key: 'faq-opening-hours', title: "When is the children's advice and duty service open?", body: `${hoursText(p)}.

The service is closed on bank holidays.` },
      { key: 'faq-out-of-hours', title: 'What do I do outside of these hours?', body: `Call the ${p.edt.name} on ${p.edt.phone} (${p.edt.hours}).

If a child is in immediate danger, call 999.` },
      { key: 'faq-ask', title: 'How can I ask a question about the service?', body: `Use "Ask a question about the service" on these pages. Your question goes to the head of the children's advice and duty service, and questions that many partners ask are added to these FAQs.` },
    ],
    'threshold-guide': [],
  };
}

// ---------------------------------------------------------------------------
// Staffordshire (illustrative) and any other authority: the same shape, in general words
// ---------------------------------------------------------------------------

function general(p: AuthorityProfile): Record<Section, SeedPage[]> {
  const line = professionalsLine(p);
  const short = p.service.shortName;
  return {
    checker: [
      {
        key: CHECKER_KEYS.whenToCall,
        title: `When to call the ${p.service.name}`,
        body: `Call ${short} when you are worried about a child's safety or wellbeing and think they may be at risk of harm:

- Immediate safeguarding concerns - a risk of significant harm: physical, emotional or sexual abuse, or neglect.
- Escalating concerns - support has not improved things and the worries are growing.
- Concerns about parenting capacity - for example because of substance misuse, mental health or domestic abuse.
- Professional consultation - the situation is complex and you want advice on next steps.`,
      },
      {
        key: CHECKER_KEYS.haveReady,
        title: 'What to have ready when you call',
        body: `- What you and your agency know about the child
- Who is in the family, including brothers and sisters, wider family and anyone important to the child
- What your concern is and how immediate it is
- What support you have given the child or family so far
- Where the child is now
- Whether you have told the parents or carers, and whether they agree`,
      },
      {
        key: CHECKER_KEYS.record,
        title: 'Record the call in your own system',
        body: `Record your concern, the conversation and what was agreed in your own agency's system, and whether the parents or carers agreed to you sharing it, and if not, why not.`,
      },
      {
        key: CHECKER_KEYS.earlyHelp,
        title: 'Early Help for concerns below the threshold',
        body: `If your concern does not meet the threshold for ${short}, Early Help can support the family with their agreement. Talk to the family, then make a request for support.`,
      },
    ],
    faq: [
      { key: 'faq-what-is', title: `What is the ${p.service.name}?`, body: `${p.service.description}` },
      { key: 'faq-contact', title: `How do I contact ${short}?`, body: `Professionals call ${line.number} and follow the options:

${optionsText(p)}` },
      { key: 'faq-written-referrals', title: 'Can I send a written referral?', body: `No. Except for the emergency services, please call us: a conversation with a social worker gets the right support to the child sooner than a form.` },
      { key: 'faq-opening-hours', title: `When is ${short} open?`, body: `${hoursText(p)}. Closed on bank holidays.` },
      { key: 'faq-out-of-hours', title: 'What do I do outside of these hours?', body: `Call the ${p.edt.name} on ${p.edt.phone}. If a child is in immediate danger, call 999.` },
      { key: 'faq-consent', title: 'Do I need the parents’ consent before I call?', body: `It is good practice to seek it, and to be open with the family. You do not need it if asking would put the child or anyone else at greater risk, or could undermine the investigation of a serious crime. Record why you did not seek it.` },
    ],
    'threshold-guide': [],
  };
}

// ---------------------------------------------------------------------------
// The threshold guide (our own words): one page per level in the profile
// ---------------------------------------------------------------------------

type Band = 'universal' | 'additional' | 'complex' | 'statutory' | 'children-in-need' | 'child-protection' | 'children-in-care';

const BANDS: Record<Band, { body: string }> = {
  universal: {
    body: `Children whose needs are met by their family and by the services every child uses: midwives, health visitors, GPs, early years settings and schools. Nothing suggests they need more.

Examples:

- A toddler who is growing and developing as expected and is taken to health visitor checks.
- A pupil who attends school regularly, is making progress and has friends.
- A family managing a short-lived difficulty, such as a house move, with the help of people around them.

What to do: keep working with the family as usual. You do not need to call.`,
  },
  additional: {
    body: `Children with additional needs that one agency, or a few working together, can meet with the family's agreement: Early Help.

Examples:

- School attendance is falling and the child seems withdrawn, with no known risk of harm.
- A parent is struggling with a baby's sleep and feeding, and is low in mood but is coping and asking for help.
- A young carer is missing out on time with friends and is tired at school.
- Money or housing worries are putting the family under strain.

What to do: talk to the family and, with their agreement, make an Early Help request for support. You do not need to call.`,
  },
  complex: {
    body: `Children with complex or intensive needs that need several agencies working together on a coordinated plan, usually led by Early Help or targeted services, with the family's agreement.

Examples:

- A plan has been in place and reviewed, but a child's attendance, behaviour or health are not improving.
- A parent's drinking or mental health is affecting the care of the children, but the children are not known to be at risk of significant harm.
- A teenager is going missing for short periods and spending time with older people the family does not know.

What to do: keep working with the team around the family. If the worries are growing or the plan is not working, call for a consultation.`,
  },
  statutory: {
    body: `Children in need of specialist or statutory help: children in need (section 17 of the Children Act 1989), children who are suffering or likely to suffer significant harm (section 47), and children in care.

Examples:

- A child tells you that a parent has hurt them, or has an injury that is not explained.
- A baby is seriously neglected: not fed, not kept warm, or left alone.
- A child is living with domestic abuse that is frequent or severe.
- A young person is being sexually or criminally exploited.
- A disabled child's needs cannot be met without specialist support.

What to do: call the service. If a child is in immediate danger, call 999.`,
  },
  'children-in-need': {
    body: `Children in need (section 17 of the Children Act 1989): children whose health or development is likely to be significantly impaired without services from children's social care, including disabled children.

Examples:

- A disabled child's family cannot meet the child's needs without specialist help, and support so far has not been enough.
- A young person has nowhere safe to live.
- A child's development is being harmed by a parent's serious mental illness or substance misuse, and earlier support has not changed things.

What to do: call the service to talk it through. A social worker may agree with you that a child and family assessment is needed.`,
  },
  'child-protection': {
    body: `Children in need of safeguarding: children who are suffering, or are likely to suffer, significant harm (section 47 of the Children Act 1989).

Examples:

- A child tells you that someone has hurt them or sexually abused them.
- A baby or a child who is not yet mobile has a bruise or injury.
- A child is left without food, warmth or supervision in a way that puts them at risk.
- A young person is being sexually or criminally exploited.
- A child is living with frequent or severe domestic abuse.

What to do: call the service straight away. If a child is in immediate danger, call 999.`,
  },
  'children-in-care': {
    body: `Children in care: children looked after by the local authority, living with foster carers, in a children's home or with family under a care order or agreement.

Examples:

- A child in foster care tells you they are unhappy or unsafe where they live.
- A young person in care is going missing.
- You are worried about a care leaver you work with.

What to do: a child in care has an allocated social worker: contact them directly. If a child is in immediate danger, call 999; out of hours call the Emergency Duty Team.`,
  },
};

/** Which band a level is, from its code and label (profiles name levels in their own way). */
export function bandOf(level: { code: string; label: string }, index: number, count: number): Band {
  const l = level.label.toLowerCase();
  if (/in care/.test(l)) return 'children-in-care';
  if (/safeguard|protection/.test(l)) return 'child-protection';
  if (/children in need/.test(l)) return 'children-in-need';
  if (/specialist|statutory/.test(l)) return 'statutory';
  if (/universal/.test(l)) return 'universal';
  if (/additional/.test(l)) return 'additional';
  if (/complex|intensive|targeted/.test(l)) return 'complex';
  return index === 0 ? 'universal' : index === count - 1 ? 'statutory' : index === 1 ? 'additional' : 'complex';
}

function thresholdGuide(p: AuthorityProfile): SeedPage[] {
  return p.levels.map((level, i) => ({
    key: levelKey(level.code),
    title: level.label,
    body: BANDS[bandOf(level, i, p.levels.length)].body,
  }));
}

/** Every section's first pages for an authority, in order. */
export function seedContent(p: AuthorityProfile): Record<Section, SeedPage[]> {
  const content = p.id === 'norfolk' ? norfolk(p) : p.id === 'stoke-on-trent' ? stoke(p) : general(p);
  return { ...content, 'threshold-guide': thresholdGuide(p) };
}
