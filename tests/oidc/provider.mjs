// A real OpenID Connect provider (panva's oidc-provider) on loopback, for
// Charta's end-to-end tests. The Rust harness in tests/src/oidc.rs starts it;
// it can also be run by hand:
//
//   PORT=9090 REDIRECT_URIS=http://127.0.0.1:3000/auth/callback node provider.mjs
//
// It prints "ready http://127.0.0.1:<port>" on stdout once it listens. PORT=0
// (the default) listens on a free port, so tests can run many providers at
// once. The issuer is http://127.0.0.1:<port>.
//
// Environment:
//   PORT            port to listen on (default 0: pick a free one)
//   CLIENT_ID       the one client's id      (default charta-test)
//   CLIENT_SECRET   its secret               (default charta-test-secret);
//                   the client authenticates with client_secret_basic
//   REDIRECT_URIS   comma-separated redirect URIs of the client
//                   (default http://127.0.0.1:3000/auth/callback)
//   POST_LOGOUT_REDIRECT_URIS  comma-separated (default: each redirect URI's
//                   origin with path "/")
//   AUTO=1          no pages: every interaction completes at once as SUB
//                   (default alice) with AMR (comma list, default "pwd") and
//                   ACR (default urn:charta:mfa when AMR has "mfa", else
//                   urn:charta:pwd; an empty ACR or AMR leaves the claim out)
//   TAMPER          corrupt the ID token the token endpoint returns, for
//                   negative tests of the relying party:
//                     aud    audience replaced by "someone-else"
//                     nonce  nonce replaced
//                     exp    already expired (exp and iat in the past)
//                     iss    issuer replaced
//                     sig    signature bytes flipped (claims untouched)
//                     hs256  re-signed with HS256 and the client secret
//                   All but "sig" are re-signed with the real key, so the
//                   altered claim is the only thing wrong with the token.
//   ANY_LOOPBACK_PORT=1  accept a redirect URI on http://127.0.0.1 with any
//                   port when it matches a registered one but for the port
//                   (RFC 8252, 7.3), for a relying party whose port is not
//                   known before the provider starts
//   EXIT_WITH_STDIN=1  exit when stdin closes (the harness sets it, so that
//                   the provider dies with the test process)
//
// Without AUTO, the provider serves its own minimal login and consent pages
// (plain HTML, nothing external). The login form takes `login` (becomes the
// subject) and `password` (anything is accepted). A login ending in "+mfa"
// signs in with amr ["pwd","mfa"] and acr urn:charta:mfa, any other with amr
// ["pwd"] and acr urn:charta:pwd. The email claim is the login without
// "+mfa" at example.test (a login that already contains "@" is the email).
// The consent page has one button, "Continue"; a "Cancel" link ends the
// interaction with access_denied.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';
import * as jose from 'jose';

const env = process.env;

const list = (value) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);

const CLIENT_ID = env.CLIENT_ID || 'charta-test';
const CLIENT_SECRET = env.CLIENT_SECRET || 'charta-test-secret';
const REDIRECT_URIS = list(env.REDIRECT_URIS ?? 'http://127.0.0.1:3000/auth/callback');
const POST_LOGOUT_REDIRECT_URIS = env.POST_LOGOUT_REDIRECT_URIS !== undefined
  ? list(env.POST_LOGOUT_REDIRECT_URIS)
  : [...new Set(REDIRECT_URIS.map((uri) => `${new URL(uri).origin}/`))];
const AUTO = env.AUTO === '1';
const TAMPER = env.TAMPER || '';

const ACR_PWD = 'urn:charta:pwd';
const ACR_MFA = 'urn:charta:mfa';
const acrFor = (amr) => (amr.includes('mfa') ? ACR_MFA : ACR_PWD);

const TAMPERS = ['aud', 'nonce', 'exp', 'iss', 'sig', 'hs256'];
if (TAMPER && !TAMPERS.includes(TAMPER)) {
  console.error(`unknown TAMPER=${TAMPER}; expected one of ${TAMPERS.join(', ')}`);
  process.exit(2);
}
if (REDIRECT_URIS.length === 0) {
  console.error('REDIRECT_URIS is empty');
  process.exit(2);
}

// TEST-ONLY signing key, committed on purpose: tokens are re-signed with it for
// the TAMPER modes. It protects nothing and must never be used outside tests.
const { keys: JWKS } = JSON.parse(readFileSync(new URL('./jwks.json', import.meta.url), 'utf8'));

if (env.EXIT_WITH_STDIN === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}

// The issuer contains the port, so listen first, then build the provider.
const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(env.PORT || 0), '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

function emailFor(login) {
  const name = login.endsWith('+mfa') ? login.slice(0, -'+mfa'.length) : login;
  return name.includes('@') ? name : `${name}@example.test`;
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: REDIRECT_URIS,
    post_logout_redirect_uris: POST_LOGOUT_REDIRECT_URIS,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'openid email profile',
  }],
  jwks: { keys: JWKS },
  // oidc-provider 9 only knows S256; this makes PKCE mandatory for every client.
  pkce: { required: () => true },
  responseTypes: ['code'],
  scopes: ['openid', 'email', 'profile'],
  acrValues: [ACR_PWD, ACR_MFA],
  claims: {
    openid: ['sub', 'amr', 'acr', 'auth_time'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // Put the email and profile claims in the ID token too, not only at userinfo.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['charta-test-cookie-key'] },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      claims: async () => ({ sub, email: emailFor(sub), email_verified: true, name: sub }),
    };
  },
});

if (env.ANY_LOOPBACK_PORT === '1') {
  const withoutPort = (uri) => {
    let url;
    try { url = new URL(uri); } catch { return undefined; }
    if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1') return undefined;
    url.port = '';
    return url.href;
  };
  const allowed = (value, registered) => {
    if (registered.includes(value)) return true;
    const stripped = withoutPort(value);
    return stripped !== undefined && registered.some((uri) => withoutPort(uri) === stripped);
  };
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    return allowed(value, this.redirectUris);
  };
  provider.Client.prototype.postLogoutRedirectUriAllowed = function postLogoutRedirectUriAllowed(value) {
    return allowed(value, this.postLogoutRedirectUris);
  };
}

for (const event of ['server_error', 'authorization.error', 'grant.error', 'end_session.error']) {
  provider.on(event, (ctx, err) => {
    console.error(`${event}: ${err.name}: ${err.message}${err.error_description ? ` (${err.error_description})` : ''}`);
  });
}

// --- interactions ----------------------------------------------------------

const html = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${html(title)}</title></head>
<body>
<h1>${html(title)}</h1>
${body}
</body>
</html>
`;
}

function loginPage(uid, error) {
  return page('Sign in', `${error ? `<p role="alert">${html(error)}</p>\n` : ''}<form method="post" action="/interaction/${html(uid)}/login">
<p><label>Login <input name="login" autocomplete="username" autofocus></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password"></label></p>
<p><button type="submit">Sign in</button></p>
</form>
<p><a href="/interaction/${html(uid)}/abort">Cancel</a></p>`);
}

function consentPage(uid, clientId, scopes) {
  return page('Authorize', `<p>${html(clientId)} asks for: ${html(scopes.join(' '))}</p>
<form method="post" action="/interaction/${html(uid)}/confirm">
<p><button type="submit">Continue</button></p>
</form>
<p><a href="/interaction/${html(uid)}/abort">Cancel</a></p>`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 64 * 1024) throw Object.assign(new Error('request body too large'), { status: 413 });
  }
  return new URLSearchParams(body);
}

function loginResult(accountId, amr, acr) {
  const login = { accountId };
  if (amr.length > 0) login.amr = amr;
  if (acr) login.acr = acr;
  return { login };
}

async function consentResult(details) {
  const { prompt, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const missing = prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  return { consent: { grantId: await grant.save() } };
}

async function finish(ctx, result, merge) {
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: merge,
  });
  ctx.set('Cache-Control', 'no-store');
  ctx.status = 303;
  ctx.redirect(returnTo);
}

function autoLogin() {
  const amr = list(env.AMR ?? 'pwd');
  const acr = env.ACR ?? acrFor(amr);
  return loginResult(env.SUB || 'alice', amr, acr);
}

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([^/]+)(?:\/(login|confirm|abort))?$/);
  if (!match) return next();
  const [, uid, action] = match;
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== uid) ctx.throw(400, 'interaction does not match its cookie');
  const prompt = details.prompt.name;
  ctx.set('Cache-Control', 'no-store');

  if (!action && ctx.method === 'GET') {
    if (AUTO) {
      if (prompt === 'login') return finish(ctx, autoLogin(), false);
      if (prompt === 'consent') return finish(ctx, await consentResult(details), true);
      ctx.throw(501, `prompt ${prompt} is not implemented`);
    }
    ctx.type = 'html';
    if (prompt === 'login') {
      ctx.body = loginPage(uid);
    } else if (prompt === 'consent') {
      const scopes = details.prompt.details.missingOIDCScope ?? [];
      ctx.body = consentPage(uid, details.params.client_id, scopes);
    } else {
      ctx.throw(501, `prompt ${prompt} is not implemented`);
    }
    return undefined;
  }

  if (action === 'login' && ctx.method === 'POST') {
    if (prompt !== 'login') ctx.throw(400, `expected the ${prompt} prompt, not login`);
    const form = await readForm(ctx.req);
    const login = (form.get('login') ?? '').trim();
    if (!login) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = loginPage(uid, 'Enter a login.');
      return undefined;
    }
    const amr = login.endsWith('+mfa') ? ['pwd', 'mfa'] : ['pwd'];
    return finish(ctx, loginResult(login, amr, acrFor(amr)), false);
  }

  if (action === 'confirm' && ctx.method === 'POST') {
    if (prompt !== 'consent') ctx.throw(400, `expected the ${prompt} prompt, not consent`);
    return finish(ctx, await consentResult(details), true);
  }

  if (action === 'abort' && ctx.method === 'GET') {
    return finish(ctx, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    }, false);
  }

  ctx.throw(405);
  return undefined;
});

// --- tampered ID tokens ------------------------------------------------------

async function tamper(idToken) {
  const [headerPart, payloadPart, signaturePart] = idToken.split('.');
  if (TAMPER === 'sig') {
    const signature = Buffer.from(signaturePart, 'base64url');
    for (let i = 0; i < signature.length; i += 16) signature[i] ^= 0xff;
    return `${headerPart}.${payloadPart}.${signature.toString('base64url')}`;
  }
  const header = jose.decodeProtectedHeader(idToken);
  const claims = jose.decodeJwt(idToken);
  if (TAMPER === 'hs256') {
    // The claims untouched, but "signed" with HMAC and the client's own
    // secret: a relying party that accepts symmetric algorithms would take
    // a token anyone holding that secret could have made.
    const secret = new TextEncoder().encode(CLIENT_SECRET);
    return new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secret);
  }
  const now = Math.floor(Date.now() / 1000);
  switch (TAMPER) {
    case 'aud': claims.aud = 'someone-else'; break;
    case 'nonce': claims.nonce = 'not-the-nonce-that-was-sent'; break;
    case 'exp': claims.iat = now - 7200; claims.exp = now - 3600; break;
    case 'iss': claims.iss = 'http://127.0.0.1:1/not-the-issuer'; break;
    default: throw new Error(`unknown TAMPER=${TAMPER}`);
  }
  const jwk = JWKS.find((k) => k.kid === header.kid) ?? JWKS[0];
  const key = await jose.importJWK(jwk, header.alg);
  return new jose.SignJWT(claims).setProtectedHeader(header).sign(key);
}

if (TAMPER) {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && ctx.status === 200 && typeof ctx.body?.id_token === 'string') {
      ctx.body = { ...ctx.body, id_token: await tamper(ctx.body.id_token) };
    }
  });
}

server.on('request', provider.callback());
console.log(`ready ${issuer}`);
