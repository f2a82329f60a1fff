/** Kysely table types, written to match migrations/*.sql. */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string | T, string | T>;

export interface AuthoritiesTable {
  id: string;
  name: string;
  profile: Json;
  profile_hash: string;
  loaded_at: DefaultedTimestamp;
}

export interface TeamsTable {
  id: string;
  authority_id: string;
  name: string;
}

export interface UsersTable {
  id: string;
  authority_id: string;
  email: string;
  display_name: string;
  role: string;
  agency_code: string | null;
  team_id: string | null;
  job_title: string | null;
  phone: string | null;
  password_hash: string | null;
  failed_sign_ins: Generated<number>;
  locked_until: Timestamp | null;
  disabled_at: Timestamp | null;
  last_sign_in_at: Timestamp | null;
  created_at: DefaultedTimestamp;
  // issue10-D: single sign-on identity and "sign out everywhere" (migration 0021)
  oidc_issuer: ColumnType<string | null, string | null | undefined, string | null>;
  oidc_subject: ColumnType<string | null, string | null | undefined, string | null>;
  oidc_linked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  session_generation: Generated<number>;
}

export interface ServiceAccountsTable {
  id: string;
  authority_id: string;
  name: string;
  role: string;
  agency_code: string | null;
  token_hash: string;
  created_at: DefaultedTimestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface SessionsTable {
  id: string;
  data: Json<Record<string, unknown>>;
  user_id: string | null;
  expires_at: Timestamp;
  created_at: DefaultedTimestamp;
  // issue10-D: how and when the session signed in, and when it was last used (migration 0021)
  auth_method: ColumnType<'local' | 'oidc' | null, 'local' | 'oidc' | null | undefined, 'local' | 'oidc' | null>;
  signed_in_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  authenticated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  last_seen_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface HouseholdsTable {
  id: string;
  authority_id: string;
  created_at: DefaultedTimestamp;
}

export interface PersonsTable {
  id: string;
  authority_id: string;
  household_id: string | null;
  given_name: string | null;
  family_name: string | null;
  name_search: Generated<string>;
  date_of_birth: string | null;
  expected_date_of_birth: string | null;
  sex: Generated<string>;
  ethnicity: string | null;
  nhs_number: string | null;
  upn: string | null;
  address_line_1: string | null;
  address_line_2: string | null;
  town: string | null;
  postcode: string | null;
  school_setting: string | null;
  gp_practice: string | null;
  first_language: string | null;
  interpreter_needed: boolean | null;
  disability_codes: Generated<string[]>;
  created_at: DefaultedTimestamp;
  created_by: string | null;
  updated_at: DefaultedTimestamp;
  version: Generated<number>;
  given_fold: string | null;
  family_fold: string | null;
  name_placeholder: Generated<boolean>;
  postcode_outward: string | null;
  postcode_sector: string | null;
  match_std: Generated<MatchStdColumn>;
  match_keys: Generated<string[]>;
  std_version: Generated<number>;
  merged_into_id: Generated<string | null>;
  merged_at: Generated<Date | null>;
  /** A short number for returns that need a child id of at most 20 characters (migration 0018). */
  person_number: Generated<number>;
  // issue10-E: when the record's personal data was removed under the retention schedule (migration 0022)
  erased_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** The standardised name variants of a person (own name and aliases), as stored in persons.match_std. */
export interface MatchStdColumn {
  names?: { given: string | null; family: string | null; givenCanon: string[]; givenDm: string[]; familyTokens: string[]; familyDm: string[] }[];
  address?: string | null;
}

export interface NameFrequenciesTable {
  authority_id: string;
  field: string;
  value: string;
  n: number;
}

export interface PersonMergesTable {
  id: string;
  authority_id: string;
  survivor_id: string;
  merged_id: string;
  reason: string;
  merged_by: string | null;
  merged_at: Date;
  unmerged_by: string | null;
  unmerged_at: Date | null;
  unmerge_reason: string | null;
}

export interface DuplicateCandidatesTable {
  id: string;
  authority_id: string;
  person_a_id: string;
  person_b_id: string;
  probability: number;
  match_weight: number;
  reasons: Generated<unknown>;
  status: Generated<'open' | 'merged' | 'not-same' | 'superseded'>;
  found_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  decision_note: string | null;
  /** Added by 0004_duplicates.sql: the engine's evidence against the pair, and its band. */
  against: Generated<unknown>;
  band: 'very-likely' | 'likely' | 'possible' | null;
}

export interface DuplicateScansTable {
  authority_id: string;
  last_started_at: Date | null;
  last_finished_at: Date | null;
  people_scanned: Generated<number>;
  pairs_found: Generated<number>;
}

export interface PersonAliasesTable {
  id: string;
  person_id: string;
  given_name: string | null;
  family_name: string | null;
  created_at: DefaultedTimestamp;
}

export interface RelationshipsTable {
  id: string;
  authority_id: string;
  person_id: string;
  related_person_id: string;
  relationship_type: string;
  lives_with_child: boolean;
  notes: string | null;
  created_at: DefaultedTimestamp;
  created_by: string | null;
}

export interface ConversationsTable {
  id: string;
  authority_id: string;
  reference: string;
  status: 'draft' | 'completed';
  current_version: Generated<number>;
  service: Generated<'cads' | 'edt'>;
  worker_id: string;
  team_id: string | null;
  started_at: Timestamp;
  completed_at: Timestamp | null;
  decision_due_at: Timestamp | null;
  lock_version: Generated<number>;
  created_at: DefaultedTimestamp;
  out_of_hours: Generated<boolean>;
  handover_due_at: Timestamp | null;
  handover_accepted_by: string | null;
  handover_accepted_at: Timestamp | null;
  // issue10-E: migration 0022 adds erased_at here too; it is read with sql`` only, so that code building whole rows need not name it.
}

export interface ConversationVersionsTable {
  conversation_id: string;
  version: number;
  status: 'draft' | 'completed';
  amendment_reason: string | null;
  caller_name: string | null;
  caller_role: string | null;
  caller_agency_code: string | null;
  caller_agency_other: string | null;
  caller_phone: string | null;
  caller_email: string | null;
  caller_type: 'professional' | 'public' | null;
  concern_categories: Generated<string[]>;
  concern_detail: string | null;
  immediacy: string | null;
  support_to_date: string | null;
  parents_informed: 'yes' | 'no' | null;
  consent_given: 'yes' | 'no' | null;
  consent_reason_codes: Generated<string[]>;
  consent_reason_detail: string | null;
  lawful_basis_code: string | null;
  worries: string | null;
  strengths: string | null;
  needs_to_happen: string | null;
  created_by: string;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
  completed_by: string | null;
  completed_at: Timestamp | null;
}

export interface ConversationChildrenTable {
  conversation_id: string;
  version: number;
  person_id: string;
  position: number;
  where_now: string | null;
  safe_tonight: 'yes' | 'no' | 'unknown' | null;
  outcome_code: string | null;
  caller_agreed: boolean | null;
  disagreement_note: string | null;
  next_steps: string | null;
  next_steps_by: string | null;
  level_code: string | null;
}

export interface DecisionsTable {
  id: string;
  authority_id: string;
  conversation_id: string;
  person_id: string;
  decision_code: string;
  /** CIN census PrimaryNeedCode (N0–N9), given with the decision (migration 0019). */
  primary_need_code: Generated<string | null>;
  rationale: string;
  decided_by: string;
  decided_at: Timestamp;
}

export interface AccumulationFlagsTable {
  id: string;
  authority_id: string;
  person_id: string;
  rule_key: string;
  message: string;
  conversation_id: string;
  raised_at: Timestamp;
}

export interface AuditEventsTable {
  id: Generated<number>;
  occurred_at: DefaultedTimestamp;
  authority_id: string | null;
  actor_user_id: string | null;
  actor_service_account_id: string | null;
  actor_role: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  person_id: string | null;
  conversation_id: string | null;
  details: Json<Record<string, unknown>>;
  ip: string | null;
  request_id: string | null;
}

// issue10-A: one link per audit entry, in commit order (migration 0020, ADR 0016)
export interface AuditChainTable {
  seq: number;
  event_id: number;
  prev_hash: Buffer;
  hash: Buffer;
}

export interface WrittenRecordsTable {
  id: string;
  authority_id: string;
  conversation_id: string;
  version: number;
  amended: boolean;
  recipient: string;
  reason: 'completed' | 'amended' | 'resend' | 'extra-address' | 'mash-decision';
  /** Set only for the written record of a MASH decision (reason 'mash-decision'). */
  mash_enquiry_id: string | null;
  status: Generated<'queued' | 'sending' | 'sent' | 'delivered' | 'failed'>;
  provider: string | null;
  provider_message_id: string | null;
  attempts: Generated<number>;
  claimed_at: Timestamp | null;
  last_error: string | null;
  requested_by: string | null;
  queued_at: Timestamp;
  sent_at: Timestamp | null;
  delivered_at: Timestamp | null;
  failed_at: Timestamp | null;
}

export interface SurveyInvitationsTable {
  token_hash: string;
  authority_id: string;
  written_record_id: string;
  conversation_id: string;
  worker_id: string;
  team_id: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface SurveyResponsesTable {
  id: string;
  authority_id: string;
  invitation_token_hash: string;
  conversation_id: string;
  worker_id: string;
  team_id: string | null;
  submitted_at: Timestamp;
  answers: Json<Record<string, string>>;
}

export interface TasksTable {
  id: string;
  authority_id: string;
  /** A person's task; null when it is a team's (assigned_team_id). */
  assigned_to: string | null;
  assigned_team_id: Generated<string | null>;
  /** 'delivery-failed', and from migration 0011 any kind a feature adds (lower-case-with-hyphens). */
  kind: string;
  conversation_id: string | null;
  written_record_id: string | null;
  /** What the task is about, for kinds from migration 0011 on (e.g. 'referral' and its id). */
  subject_type: Generated<string | null>;
  subject_id: Generated<string | null>;
  detail: string;
  created_at: Timestamp;
  done_at: Timestamp | null;
  done_by: string | null;
}

export interface MailboxMessagesTable {
  id: string;
  authority_id: string;
  /** Exactly one of written_record_id and notification_id is set. */
  written_record_id: string | null;
  notification_id: string | null;
  to_address: string;
  subject: string;
  html: string;
  text_body: string;
  pdf: Buffer | null;
  pdf_filename: string | null;
  created_at: Timestamp;
}

export interface NotificationsTable {
  id: string;
  authority_id: string;
  /** 'mash-request-overdue', and from migration 0011 any kind a feature adds (lower-case-with-hyphens). */
  kind: string;
  mash_request_id: string | null;
  /** What the notification is about, for kinds from migration 0011 on (e.g. 'escalation' and its id). */
  subject_type: Generated<string | null>;
  subject_id: Generated<string | null>;
  to_address: string;
  subject: string;
  text_body: string;
  html: string;
  status: Generated<'queued' | 'sending' | 'sent' | 'failed'>;
  provider: string | null;
  provider_message_id: string | null;
  attempts: Generated<number>;
  claimed_at: Timestamp | null;
  last_error: string | null;
  queued_at: Timestamp;
  sent_at: Timestamp | null;
  failed_at: Timestamp | null;
}

export interface MashQuestionAnswersTable {
  id: string;
  request_id: string;
  question_id: string;
  answer: string;
  answered_by: string | null;
  answered_at: Timestamp;
}

export interface UserServedAuthoritiesTable {
  user_id: string;
  authority_id: string;
  granted_by: string | null;
  granted_at: Timestamp;
}

export interface ServiceAccountServedAuthoritiesTable {
  service_account_id: string;
  authority_id: string;
  granted_at: Timestamp;
}

export interface SchemaMigrationsTable {
  name: string;
  checksum: string;
  applied_at: DefaultedTimestamp;
}

export interface AuthorityProfileVersionsTable {
  authority_id: string;
  version: number;
  profile: Json;
  profile_hash: string;
  loaded_at: DefaultedTimestamp;
}

export type CallState = 'menu' | 'queued' | 'connected' | 'ended';
export type CallOutcome = 'answered' | 'abandoned' | 'out-of-hours' | 'closed' | 'callback' | 'transferred' | 'no-option' | 'failed';

export interface CallsTable {
  id: string;
  authority_id: string;
  source: 'twilio' | 'cti';
  external_id: string;
  line_id: string;
  dialled_number: string;
  caller_number: string | null;
  option_digit: string | null;
  queue_code: string | null;
  state: CallState;
  outcome: CallOutcome | null;
  offered_at: Timestamp;
  queued_at: Timestamp | null;
  answered_at: Timestamp | null;
  ended_at: Timestamp | null;
  worker_id: string | null;
  transferred_to: string | null;
  conversation_id: string | null;
  updated_at: Timestamp;
  // issue10-E: migration 0022 adds erased_at here too; it is read with sql`` only, so that code building whole rows need not name it.
}

export interface CallEventsTable {
  id: Generated<number>;
  call_id: string;
  kind: string;
  at: Timestamp;
  worker_id: string | null;
  detail: Json<Record<string, unknown>>;
}

export interface WebhookReceiptsTable {
  key: string;
  source: string;
  received_at: Timestamp;
  status: number;
  content_type: string;
  body: string;
}

export interface CallbacksTable {
  id: string;
  authority_id: string;
  call_id: string | null;
  queue_code: string;
  number: string;
  requested_at: Timestamp;
  status: 'waiting' | 'in-progress' | 'done' | 'cancelled';
  claimed_by: string | null;
  claimed_at: Timestamp | null;
  finished_at: Timestamp | null;
  result: 'spoke' | 'no-answer' | 'not-needed' | null;
  conversation_id: string | null;
}

export type PresenceStatus = 'available' | 'on-call' | 'wrap-up' | 'away' | 'offline';

export interface WorkerPresenceTable {
  user_id: string;
  authority_id: string;
  status: PresenceStatus;
  since: Timestamp;
  call_id: string | null;
}

export interface LiveSignalsTable {
  id: Generated<number>;
  authority_id: string;
  at: DefaultedTimestamp;
}

export type Rag = 'red' | 'amber' | 'green';
export type MashStatus = 'awaiting-rating' | 'checks' | 'collation' | 'decision' | 'closed';

export interface MashEnquiriesTable {
  id: string;
  authority_id: string;
  hub_id: string;
  reference: string;
  conversation_id: string | null;
  reason: string;
  questions: string;
  rag: Rag | null;
  rated_at: Timestamp | null;
  rated_by: string | null;
  due_at: Timestamp | null;
  status: ColumnType<MashStatus, MashStatus | undefined, MashStatus>;
  analysis_risks: string | null;
  analysis_strengths: string | null;
  analysis_unknowns: string | null;
  analysed_by: string | null;
  analysed_at: Timestamp | null;
  decision_code: string | null;
  decision_rationale: string | null;
  decided_by: string | null;
  decided_at: Timestamp | null;
  /** The written record of the decision sent to the original caller, when there was one. */
  decision_record_id: Generated<string | null>;
  created_by: string | null;
  created_at: Timestamp;
  lock_version: Generated<number>;
  // issue10-E: when the record's personal data was removed under the retention schedule (migration 0022)
  erased_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface MashEnquiryChildrenTable {
  enquiry_id: string;
  person_id: string;
}

export interface MashRatingChangesTable {
  id: string;
  enquiry_id: string;
  from_rag: Rag | null;
  to_rag: Rag;
  reason: string | null;
  changed_by: string | null;
  changed_at: Timestamp;
  due_before: Timestamp | null;
  due_after: Timestamp;
}

export interface MashCheckRequestsTable {
  id: string;
  enquiry_id: string;
  authority_id: string;
  agency_code: string;
  due_at: Timestamp;
  sent_at: Timestamp;
  sent_by: string | null;
  status: ColumnType<'open' | 'answered' | 'withdrawn', 'open' | 'answered' | 'withdrawn' | undefined, 'open' | 'answered' | 'withdrawn'>;
  answered_at: Timestamp | null;
  overdue_alerted_at: Timestamp | null;
}

export interface MashCheckResponsesTable {
  id: string;
  request_id: string;
  kind: 'response' | 'question' | 'correction';
  nothing_known: Generated<boolean>;
  holds: string | null;
  source_system: string | null;
  checked_on: string | null;
  risk_information: string | null;
  lawful_basis_code: string | null;
  corrects_id: string | null;
  /** Exactly one of these: the practitioner on the page, or their agency's system through the API. */
  responded_by: string | null;
  responded_by_account: Generated<string | null>;
  responded_at: Timestamp;
}

export interface DB {
  authorities: AuthoritiesTable;
  teams: TeamsTable;
  users: UsersTable;
  service_accounts: ServiceAccountsTable;
  sessions: SessionsTable;
  households: HouseholdsTable;
  persons: PersonsTable;
  name_frequencies: NameFrequenciesTable;
  person_match_keys: { authority_id: string; key: string; person_id: string };
  person_merges: PersonMergesTable;
  duplicate_candidates: DuplicateCandidatesTable;
  duplicate_scans: DuplicateScansTable;
  person_aliases: PersonAliasesTable;
  relationships: RelationshipsTable;
  conversations: ConversationsTable;
  conversation_versions: ConversationVersionsTable;
  conversation_children: ConversationChildrenTable;
  decisions: DecisionsTable;
  accumulation_flags: AccumulationFlagsTable;
  audit_events: AuditEventsTable;
  // issue10-A: the audit log's hash chain (migration 0020), written only by its trigger
  audit_chain: AuditChainTable;
  written_records: WrittenRecordsTable;
  survey_invitations: SurveyInvitationsTable;
  survey_responses: SurveyResponsesTable;
  tasks: TasksTable;
  mailbox_messages: MailboxMessagesTable;
  schema_migrations: SchemaMigrationsTable;
  authority_profile_versions: AuthorityProfileVersionsTable;
  calls: CallsTable;
  call_events: CallEventsTable;
  webhook_receipts: WebhookReceiptsTable;
  callbacks: CallbacksTable;
  worker_presence: WorkerPresenceTable;
  live_signals: LiveSignalsTable;
  mash_enquiries: MashEnquiriesTable;
  mash_enquiry_children: MashEnquiryChildrenTable;
  mash_rating_changes: MashRatingChangesTable;
  mash_check_requests: MashCheckRequestsTable;
  mash_check_responses: MashCheckResponsesTable;
  notifications: NotificationsTable;
  mash_question_answers: MashQuestionAnswersTable;
  user_served_authorities: UserServedAuthoritiesTable;
  service_account_served_authorities: ServiceAccountServedAuthoritiesTable;
  referrals: ReferralsTable;
  referral_children: ReferralChildrenTable;
  referral_repeats: ReferralRepeatsTable;
  worker_allocations: WorkerAllocationsTable;
  allocated_worker_notices: AllocatedWorkerNoticesTable;
  early_help_requests: EarlyHelpRequestsTable;
  early_help_status_changes: EarlyHelpStatusChangesTable;
  disagreements: DisagreementsTable;
  disagreement_stages: DisagreementStagesTable;
  before_you_call_sections: BeforeYouCallSectionsTable;
  before_you_call_pages: BeforeYouCallPagesTable;
  before_you_call_page_versions: BeforeYouCallPageVersionsTable;
  before_you_call_questions: BeforeYouCallQuestionsTable;
  mi_conversation_facts: MiConversationFactsTable;
  mi_dirty_conversations: { conversation_id: string; marked_at: DefaultedTimestamp };
  mi_refresh_state: { authority_id: string; refreshed_at: Timestamp };
  mi_daily: MiDailyTable;
  mi_daily_reasons: { authority_id: string; day: ColumnType<string, string, string>; dim: string; value: string; reason: string; conversations: number };
  professionals: ProfessionalsTable;
  conversation_professionals: ConversationProfessionalsTable;
  professional_changes: ProfessionalChangesTable;
  // issue10-E (migration 0022)
  retention_reviews: RetentionReviewsTable;
  retention_runs: RetentionRunsTable;
  legal_holds: LegalHoldsTable;
  // issue10-G: Idempotency-Key on POST /api/v1/conversations (migration 0024)
  api_idempotency_keys: ApiIdempotencyKeysTable;
  // issue10-F: restricted records and "break glass" (migration 0023)
  record_restrictions: RecordRestrictionsTable;
  record_restriction_users: RecordRestrictionUsersTable;
  restricted_access_grants: RestrictedAccessGrantsTable;
}

/** issue10-F: a child's record (or their household's) restricted to named users. */
export interface RecordRestrictionsTable {
  id: string;
  authority_id: string;
  person_id: string;
  scope: 'person' | 'household';
  reason: string;
  owner_id: string;
  restricted_by: string | null;
  restricted_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
  lifted_at: Timestamp | null;
  lifted_by: string | null;
  lift_reason: string | null;
}

/** issue10-F: a user who may open a restricted record without giving a reason. */
export interface RecordRestrictionUsersTable {
  restriction_id: string;
  user_id: string;
  added_by: string | null;
  added_at: Timestamp;
}

/** issue10-F: "break glass": a user's reason for opening a restricted record, and until when they may. */
export interface RestrictedAccessGrantsTable {
  id: string;
  authority_id: string;
  restriction_id: string;
  user_id: string;
  reason: string;
  opened_path: string;
  granted_at: Timestamp;
  expires_at: Timestamp;
}

/** issue10-G: one row per Idempotency-Key a caller sent with a conversation that was saved. */
export interface ApiIdempotencyKeysTable {
  principal_id: string;
  idempotency_key: string;
  authority_id: string;
  request_hash: string;
  conversation_id: string;
  response_status: number;
  response_body: Json<Record<string, unknown>>;
  created_at: DefaultedTimestamp;
}

export interface ReferralsTable {
  id: string;
  authority_id: string;
  reference: string;
  agency_code: string;
  referral_source: string;
  channel: 'page' | 'api';
  submitted_by_user_id: string | null;
  submitted_by_service_account_id: string | null;
  referrer_name: string;
  referrer_role: string | null;
  referrer_phone: string | null;
  referrer_email: string | null;
  incident_reference: string;
  incident_reference_key: string;
  incident_at: Timestamp;
  incident_place: string;
  incident_postcode: string | null;
  concern_categories: string[];
  what_happened: string;
  immediacy: 'immediate' | 'soon' | 'not-immediate';
  parents_informed: 'yes' | 'no';
  consent_given: 'yes' | 'no';
  consent_reason_codes: string[];
  consent_reason_detail: string | null;
  lawful_basis_code: string | null;
  received_at: Timestamp;
  due_at: Timestamp;
  status: Generated<'waiting' | 'conversation' | 'decided' | 'duplicate'>;
  possible_duplicate_of: string | null;
  duplicate_resolution: 'same' | 'different' | null;
  duplicate_resolved_by: string | null;
  duplicate_resolved_at: Timestamp | null;
  conversation_id: string | null;
  decision_code: string | null;
  decision_rationale: string | null;
  closed_by: string | null;
  closed_at: Timestamp | null;
  lock_version: Generated<number>;
  // issue10-E: when the record's personal data was removed under the retention schedule (migration 0022)
  erased_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface ReferralChildrenTable {
  id: string;
  referral_id: string;
  position: number;
  given_name: string | null;
  family_name: string | null;
  date_of_birth: string | null;
  expected_date_of_birth: string | null;
  address_line_1: string | null;
  town: string | null;
  postcode: string | null;
  where_now: string;
  suggested_person_id: string | null;
  person_id: string | null;
  matched_by: string | null;
  matched_at: Timestamp | null;
}

export interface ReferralRepeatsTable {
  id: string;
  referral_id: string;
  received_at: Timestamp;
  channel: 'page' | 'api';
  submitted_by_user_id: string | null;
  submitted_by_service_account_id: string | null;
}
export interface WorkerAllocationsTable {
  id: string;
  authority_id: string;
  person_id: string;
  kind: 'social-worker' | 'family-practitioner';
  worker_name: string;
  team: string;
  phone: string;
  email: string;
  user_id: string | null;
  /** 'YYYY-MM-DD' */
  start_date: ColumnType<string, string, string>;
  end_date: ColumnType<string | null, string | null | undefined, string | null>;
  end_reason: string | null;
  ended_at: Timestamp | null;
  ended_by: string | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_by: string | null;
  updated_at: Timestamp;
}

export interface AllocatedWorkerNoticesTable {
  id: string;
  authority_id: string;
  conversation_id: string;
  version: number;
  person_id: string;
  allocation_id: string;
  notified_at: Timestamp;
  notified_by: string | null;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
}
export type EarlyHelpStatus = 'details-needed' | 'consent-not-given' | 'sent' | 'accepted' | 'declined' | 'closed' | 'withdrawn';

export interface EarlyHelpRequestsTable {
  id: string;
  authority_id: string;
  reference: string;
  conversation_id: string;
  conversation_version: number;
  person_id: string;
  status: ColumnType<EarlyHelpStatus, EarlyHelpStatus | undefined, EarlyHelpStatus>;
  /** The household and family members chosen; null until the worker has chosen. */
  family_member_ids: string[] | null;
  need_codes: ColumnType<string[], string[] | undefined, string[]>;
  needs_detail: string | null;
  consent: 'yes' | 'no' | null;
  consent_not_given_reason: string | null;
  lead_name: string | null;
  lead_role: string | null;
  lead_agency: string | null;
  lead_phone: string | null;
  lead_email: string | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_by: string | null;
  updated_at: Timestamp;
  sent_by: string | null;
  sent_at: Timestamp | null;
  allocated_to: string | null;
  decline_reason_code: string | null;
  decided_note: string | null;
  decided_by: string | null;
  decided_at: Timestamp | null;
  closed_by: string | null;
  closed_at: Timestamp | null;
  lock_version: Generated<number>;
  // issue10-E: when the record's personal data was removed under the retention schedule (migration 0022)
  erased_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface EarlyHelpStatusChangesTable {
  id: string;
  seq: Generated<string>;
  request_id: string;
  from_status: string | null;
  to_status: string;
  note: string | null;
  changed_by: string | null;
  changed_at: Timestamp;
}
export interface DisagreementsTable {
  id: string;
  authority_id: string;
  reference: string;
  conversation_id: string;
  conversation_version: number;
  person_id: string;
  outcome_code: string | null;
  disagreement: string;
  caller_name: string | null;
  caller_role: string | null;
  caller_agency_code: string | null;
  source: 'completion' | 'by-hand';
  raised_by: string | null;
  raised_at: Timestamp;
  status: Generated<'open' | 'resolved' | 'unresolved'>;
  current_stage: Generated<number>;
  closed_at: Timestamp | null;
  closing_note: string | null;
  lock_version: Generated<number>;
}
export interface DisagreementStagesTable {
  id: string;
  disagreement_id: string;
  stage: number;
  stage_code: string;
  stage_label: string;
  who: string;
  working_days: number;
  opened_at: Timestamp;
  /** A London date, 'YYYY-MM-DD'. */
  due_on: string;
  due_at: Timestamp;
  response: string | null;
  result: 'resolved' | 'escalate' | 'not-resolved' | null;
  responded_by: string | null;
  responded_at: Timestamp | null;
  on_time: boolean | null;
  overdue_notified_at: Timestamp | null;
}
export interface BeforeYouCallSectionsTable {
  authority_id: string;
  section: 'faq' | 'checker' | 'threshold-guide';
  last_reviewed_at: Timestamp;
  last_reviewed_by: string | null;
  review_reminded_at: Timestamp | null;
}
export interface BeforeYouCallPagesTable {
  id: string;
  authority_id: string;
  section: 'faq' | 'checker' | 'threshold-guide';
  key: string;
  position: number;
  current_version: Generated<number>;
  created_at: Timestamp;
}
export interface BeforeYouCallPageVersionsTable {
  page_id: string;
  version: number;
  title: string;
  body: string;
  change_note: string;
  created_by: string | null;
  created_at: Timestamp;
  restored_from: number | null;
}
export interface BeforeYouCallQuestionsTable {
  id: string;
  authority_id: string;
  name: string;
  email: string;
  organisation: string;
  question: string;
  submitted_at: Timestamp;
  status: Generated<'new' | 'answered' | 'added-to-faq' | 'no-action'>;
  status_note: string | null;
  status_by: string | null;
  status_at: Timestamp | null;
  // issue10-E: when the record's personal data was removed under the retention schedule (migration 0022)
  erased_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** Migration 0018: per day, single filter (dim, value) and outcome, the dashboard's additive counts. */
export interface MiDailyTable {
  authority_id: string;
  day: ColumnType<string, string, string>;
  dim: string;
  value: string;
  outcome_code: string;
  conversations: number;
  children: number;
  referrals: number;
  assessments: number;
  s47: number;
  consent_yes: number;
  consent_no: number;
  decisions_needed: number;
  decided: number;
  in_time: number;
  repeats: number;
  flags: number;
  flag_rows: number;
  ooh: number;
  ooh_accepted: number;
  ooh_in_time: number;
  ooh_waiting: number;
}

/** Migration 0018: one row per child of each completed conversation, for the MI dashboard. */
export interface MiConversationFactsTable {
  conversation_id: string;
  person_id: string;
  /** The record the child was finally merged into, or the child's own. */
  child_key: string;
  started_at: Timestamp;
  authority_id: string;
  day: ColumnType<string, string, string>;
  week: ColumnType<string, string, string>;
  reference: string;
  team_id: string | null;
  worker_id: string;
  service: string;
  out_of_hours: boolean;
  caller_type: string | null;
  caller_agency_code: string | null;
  concern_categories: string[];
  level_code: string | null;
  outcome_code: string | null;
  first_child: boolean;
  social_care_referral: boolean;
  requires_decision: boolean;
  decision_code: string | null;
  primary_need_code: Generated<string | null>;
  decision_due_at: Timestamp | null;
  decided_at: Timestamp | null;
  parents_informed: string | null;
  consent_given: string | null;
  consent_reason_codes: string[];
  repeat_within_12_months: boolean;
  accumulation_flags: number;
  handover_due_at: Timestamp | null;
  handover_accepted_at: Timestamp | null;
  refreshed_at: Timestamp;
}
export interface ProfessionalsTable {
  id: string;
  authority_id: string;
  name: string;
  agency_code: string | null;
  agency_other: string | null;
  role: string | null;
  team: string | null;
  phone: string | null;
  phone_e164: string | null;
  email: string | null;
  details_as_of: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  merged_into: string | null;
  merged_at: Timestamp | null;
  merged_by: string | null;
  merge_reason: string | null;
}

export interface ConversationProfessionalsTable {
  conversation_id: string;
  professional_id: string;
  authority_id: string;
  linked_at: Timestamp;
}

export interface ProfessionalChangesTable {
  id: string;
  professional_id: string;
  kind: 'created' | 'learned' | 'corrected' | 'merged-in' | 'merged-away';
  changes: Json<Record<string, { from: unknown; to: unknown }>>;
  conversation_id: string | null;
  other_professional_id: string | null;
  reason: string | null;
  changed_by: string | null;
  changed_at: Timestamp;
}

// issue10-E: retention reviews (the daily job's list and the disposal log), its runs, and legal holds (migration 0022)
export interface RetentionReviewsTable {
  id: string;
  authority_id: string;
  record_type: string;
  record_id: string;
  label: string;
  record_at: Timestamp;
  entries: number | null;
  review_on: ColumnType<string, string, string>;
  dispose_on: ColumnType<string, string, string>;
  rule_trigger: string;
  rule_years: number;
  rule_action: 'delete' | 'review';
  still_open: Generated<boolean>;
  decision: 'delete' | 'keep' | null;
  keep_until: ColumnType<string | null, string | null | undefined, string | null>;
  keep_reason: string | null;
  decided_by: string | null;
  decided_at: Timestamp | null;
  first_listed_at: Timestamp;
  listed_at: Timestamp;
  erased_at: Timestamp | null;
  erased_by: string | null;
  people_erased: number | null;
}
export interface RetentionRunsTable {
  authority_id: string;
  ran_at: Timestamp;
  listed: number;
  due: number;
}
export interface LegalHoldsTable {
  id: string;
  authority_id: string;
  subject_type: string;
  subject_id: string;
  reason: string;
  placed_by: string;
  placed_at: Timestamp;
  released_by: string | null;
  released_at: Timestamp | null;
  release_reason: string | null;
}

export type Person = Selectable<PersonsTable>;
export type NewPerson = Insertable<PersonsTable>;
export type User = Selectable<UsersTable>;
export type ConversationRow = Selectable<ConversationsTable>;
export type ConversationVersionRow = Selectable<ConversationVersionsTable>;
export type ConversationChildRow = Selectable<ConversationChildrenTable>;
export type WrittenRecordRow = Selectable<WrittenRecordsTable>;
export type DuplicateCandidateRow = Selectable<DuplicateCandidatesTable>;
export type CallRow = Selectable<CallsTable>;
export type CallbackRow = Selectable<CallbacksTable>;
export type MashEnquiryRow = Selectable<MashEnquiriesTable>;
export type MashCheckRequestRow = Selectable<MashCheckRequestsTable>;
export type MashCheckResponseRow = Selectable<MashCheckResponsesTable>;
