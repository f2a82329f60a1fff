/**
 * issue10-D: `npm run sso:try` — a local OpenID Connect provider for trying single sign-on with the
 * embedded demo. It is the provider the tests use (oidc-provider, a development dependency), on
 * http://127.0.0.1:9090, with accounts for some of the demo staff and one stranger. It prints the
 * settings to start Front Door with. For trying things out only: its keys and sessions live in memory.
 *
 *   npm run sso:try [-- --port 9090 --app http://localhost:3000]
 */
import { parseArgs } from 'node:util';
import { startTestIdp, type IdpAccount } from '../test/support/oidc-idp.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '9090' }, app: { type: 'string', default: 'http://localhost:3000' } } });
const port = Number(values.port);
const app = values.app!.replace(/\/$/, '');
const PASSWORD = 'front-door-demo';

const person = (local: string, authority: string, roles: string[] | null, extra: Record<string, unknown> = {}): IdpAccount => ({
  login: `${local}@${authority}.example`,
  password: PASSWORD,
  sub: `try-${local}-${authority}`,
  claims: { email: `${local}@${authority}.example`, email_verified: true, name: `${local} (${authority})`, authority, ...(roles ? { roles } : {}), ...extra },
});

const accounts: IdpAccount[] = [
  person('cads.worker', 'norfolk', ['fd-worker']),
  person('team.manager', 'norfolk', ['fd-manager']),
  person('admin', 'norfolk', ['fd-admin']),
  // A police officer whose role and agency both come from the provider.
  person('police', 'norfolk', ['fd-partner'], { agency: 'police' }),
  // No roles claim: the role the demo data gave her in Front Door stands.
  person('mi.analyst', 'norfolk', null),
  // Someone the council's provider knows but Front Door does not: refused.
  person('stranger', 'norfolk', ['fd-worker']),
];

const idp = await startTestIdp(
  { clientId: 'front-door', clientSecret: 'try-it-locally-secret', redirectUris: [`${app}/sign-in/oidc/callback`], postLogoutRedirectUris: [`${app}/signed-out`] },
  accounts,
  { port },
);

process.stdout.write(`
A local identity provider is running at ${idp.issuer}
Sign in there as any of these (password for all: ${PASSWORD}):
${accounts.map((a) => `  ${a.login}`).join('\n')}

Start Front Door in another terminal with:

  OIDC_ISSUER=${idp.issuer} OIDC_CLIENT_ID=front-door OIDC_CLIENT_SECRET=try-it-locally-secret \\
  OIDC_NAME="Norfolk (local test)" OIDC_SCOPES="openid email profile frontdoor" \\
  OIDC_ROLES_CLAIM=roles OIDC_ROLE_MAP="fd-admin=administrator;fd-manager=team-manager;fd-worker=cads-worker;fd-partner=partner-practitioner" \\
  OIDC_AGENCY_CLAIM=agency OIDC_AUTHORITY_CLAIM=authority npm start

Add LOCAL_SIGN_IN=off to hide the password form. Press Ctrl+C to stop.
`);

const stop = async () => {
  await idp.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
