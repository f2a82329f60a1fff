/** The roles of Front Door. Every route names the roles that may use it. */
export const ROLES = [
  'cads-worker',
  'team-manager',
  'mash-coordinator',
  'partner-practitioner',
  'edt-worker',
  'mi-analyst',
  'administrator',
  'early-help-practitioner',
] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  'cads-worker': 'CADS social worker',
  'team-manager': 'Team manager',
  'mash-coordinator': 'MASH coordinator',
  'partner-practitioner': 'Partner-agency practitioner',
  'edt-worker': 'Emergency Duty Team worker',
  'mi-analyst': 'MI analyst',
  administrator: 'Administrator',
  'early-help-practitioner': 'Early Help practitioner',
};

/** Named groups so that route declarations read as policy, not lists. */
export const CAN = {
  /** Find, view and create people; view conversations and chronologies. */
  readChildRecords: ['cads-worker', 'team-manager', 'mash-coordinator', 'edt-worker'] as Role[],
  /** Record and amend conversations. */
  recordConversations: ['cads-worker', 'team-manager', 'edt-worker'] as Role[],
  /** Record the service's decision on a conversation that needs one. */
  recordDecisions: ['cads-worker', 'team-manager'] as Role[],
  /** See the queue of possible duplicate records and compare a pair side by side. */
  reviewDuplicates: ['cads-worker', 'team-manager', 'mash-coordinator'] as Role[],
  /** Merge duplicate records, mark a pair as different people, and undo a merge. */
  mergePeople: ['cads-worker', 'team-manager'] as Role[],
  /** Take calls and callbacks, set their own status on the phone line, see the live queue. */
  answerCalls: ['cads-worker', 'team-manager'] as Role[],
  /** See the live queue and wallboard. */
  seeWallboard: ['cads-worker', 'team-manager', 'mash-coordinator', 'edt-worker', 'mi-analyst', 'administrator'] as Role[],
  /** See the Emergency Duty Team's handover list and accept conversations from it. */
  acceptHandover: ['cads-worker', 'team-manager'] as Role[],
  /** See the phone line's configuration and check it (what a caller would hear at a given time). */
  checkPhoneLine: ['administrator', 'team-manager'] as Role[],
  /** See the whole team's list. */
  manageTeam: ['team-manager'] as Role[],
  administer: ['administrator'] as Role[],
  everyone: [...ROLES] as Role[],
};

export interface Principal {
  kind: 'user' | 'service-account';
  id: string;
  authorityId: string;
  role: Role;
  displayName: string;
  agencyCode: string | null;
  teamId: string | null;
  email: string | null;
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
