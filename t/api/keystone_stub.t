# PlacementAuthStrategy keystone against the stub Keystone: the answers
# auth_token gives for every outcome of a validation, forged identity
# headers, the token cache, service tokens and the module's own token.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use KeystoneTest;
use PlacementTest qw(new_uuid);

my $KS_401 = '{"error": {"code": 401, "title": "Unauthorized", "message": '
           . '"The request you have made requires authentication."}}';
(my $realm = $ENV{PLACEMENT_TEST_KS_STUB_URL}) =~ s{/v3$}{};
my $n = 0;
sub fresh { return 'tok-' . $$ . '-' . ++$n . '-' . int(rand(1e9)) }

sub admin_token {
    my $t = fresh();
    stub_register($t, token => stub_token(user => 'u-admin', project => 'p-admin',
                                          roles => ['admin', 'member', 'reader']));
    return $t;
}

sub api { vhost_api('placement_ks_stub', @_) }

sub is_keystone_401 {
    my ($res, $what) = @_;
    is($res->code, 401, "$what: 401");
    is($res->content, $KS_401, '... with auth_token\'s body');
    is($res->header('WWW-Authenticate'), qq{Keystone uri="$realm"}, '... and realm');
}

# --- no token, bad tokens -------------------------------------------------
is_keystone_401(api(GET => '/resource_providers'), 'no token');
is(api(GET => '/resource_providers')->header('Content-Type'), 'application/json',
   '401 is JSON');
is_keystone_401(api(GET => '/resource_providers', token => 'unknown-token'), 'unknown token');
is_keystone_401(api(GET => '/resource_providers', token => "bad\xe9token"),
                'a token with a byte that is not ASCII');
is(stub_validations("bad\xe9token"), 0, '... never sent to Keystone');
is_keystone_401(api(GET => '/resource_providers/' . new_uuid()), 'no token, any route');
is_keystone_401(api(GET => '/no/such/route'), 'no token, unknown route (middleware first)');

# --- the root stays open --------------------------------------------------
my $res = api(GET => '/');
is($res->code, 200, 'GET / needs no token');
$res = api(GET => '/', token => 'garbage-for-root');
is($res->code, 200, 'GET / with a bad token: still 200');
is(stub_validations('garbage-for-root'), 0, '... and the token is not validated');

# --- a valid token, and the cache ----------------------------------------
my $admin = admin_token();
$res = api(GET => '/resource_providers', token => $admin);
is($res->code, 200, 'valid admin token: 200');
is(stub_validations($admin), 1, 'one validation');
$res = api(GET => '/resource_providers', token => " $admin ") for 1 .. 10;
is($res->code, 200, 'the same token (with spaces) ten more times');
is(stub_validations($admin), 1, '... and still one validation: the cache answered');
$res = vhost_api('placement_ks_stub', GET => '/resource_providers',
                 headers => { 'X-Storage-Token' => $admin });
is($res->code, 200, 'X-Storage-Token when there is no X-Auth-Token');

# --- what logs and other modules see -------------------------------------
my $reader = fresh();
stub_register($reader, token => stub_token(user => 'u-reader', project => 'p-reader',
                                           roles => ['reader']));
$res = api(GET => '/usages?project_id=p-reader', token => $reader,
           headers => { 'X-User-Id' => 'evil', 'X-Roles' => 'admin',
                        'OpenStack-System-Scope' => 'all', 'X-Project-Id' => 'p-admin',
                        'X-Tenant' => 'evil', 'X-Service-Roles' => 'service',
                        'X-Is-Admin-Project' => 'True', 'X-Domain-Id' => 'evil' });
is($res->code, 200, 'a reader reads its own usages');
my $logfile = Apache::Test::vars('t_logs') . '/ks_identity.log';
my ($line) = grep { index($_, 'u-reader') == 0 } do {
    open my $fh, '<', $logfile or die "$logfile: $!"; <$fh> };
chomp(my $l = $line || '');
is($l, 'u-reader|u-reader|p-reader|reader|-|Confirmed|False|p-reader-name|-|-|/usages',
   'r->user and headers are the token\'s; every forged identity header is gone');

# --- forged identity headers ----------------------------------------------
my %forged = ('X-User-Id' => 'u-admin', 'X-Project-Id' => 'p-admin', 'X-Roles' => 'admin',
              'X-Tenant-Id' => 'p-admin', 'OpenStack-System-Scope' => 'all',
              'X-Identity-Status' => 'Confirmed', 'X-Role' => 'admin', 'X-User' => 'admin');
my $name = 'forged-' . fresh();
for my $token (undef, 'forged-invalid-token') {
    $res = api(POST => '/resource_providers', token => $token, headers => \%forged,
               body => { name => $name });
    is($res->code, 401, 'forged headers, ' . ($token ? 'invalid' : 'no') . ' token: 401');
}
$res = api(POST => '/resource_providers', token => $reader, headers => \%forged,
           body => { name => $name });
is($res->code, 403, 'forged headers with a reader\'s token: the reader\'s 403');
$res = api(GET => '/resource_providers', token => $reader, headers => \%forged);
is($res->code, 403, '... also on reads');
$res = api(GET => '/usages?project_id=p-admin', token => $reader, headers => \%forged);
is($res->code, 403, '... and another project\'s usages stay closed');
$res = api(GET => "/resource_providers?name=$name", token => $admin);
is_deeply(JSON::PP->new->decode($res->content)->{resource_providers}, [],
          'nothing was written');

# --- scopes ---------------------------------------------------------------
my $sys = fresh();
stub_register($sys, token => stub_token(user => 'u-sys', roles => ['admin'], system => 1,
                                        admin_project => 1));
is(api(GET => '/resource_providers', token => $sys)->code, 403,
   'a system-scoped admin on project-scoped rules: 403 (scope enforced)');
my $dom = fresh();
stub_register($dom, token => stub_token(user => 'u-dom', roles => ['admin'], domain => 1));
is(api(GET => '/resource_providers', token => $dom)->code, 403,
   'a domain-scoped admin: 403');
my $unscoped = fresh();
stub_register($unscoped, token => stub_token(user => 'u-none'));
is(api(GET => '/resource_providers', token => $unscoped)->code, 403,
   'an unscoped token is a valid token without roles: 403, not 401');
my $svc_only = fresh();
stub_register($svc_only, token => stub_token(user => 'nova', project => 'service',
                                             roles => ['service']));
is(api(GET => '/resource_providers', token => $svc_only)->code, 200, 'the service role');

# --- Keystone's other answers ---------------------------------------------
for my $case (['403', 503], ['500', 503], ['badjson', 503], ['expired', 401], ['slow', 503]) {
    my ($mode, $want) = @$case;
    my $t = fresh();
    stub_register($t, mode => $mode, sleep => 4, token => stub_token(
        user => 'u-admin', project => 'p-admin', roles => ['admin']));
    $res = api(GET => '/resource_providers', token => $t, headers => { Accept => 'application/json' });
    is($res->code, $want, "Keystone answers $mode: $want");
    if ($want == 503) {
        my $e = (JSON::PP->new->decode($res->content)->{errors} || [{}])->[0];
        like($e->{detail} || '', qr/The Keystone service is temporarily unavailable\./,
             '... in Placement\'s error format');
    }
    else {
        is($res->content, $KS_401, '... auth_token\'s 401');
    }
}
my $expiring = fresh();
stub_register($expiring, expires_in => 2, token => stub_token(user => 'u-admin',
              project => 'p-admin', roles => ['admin']));
is(api(GET => '/resource_providers', token => $expiring)->code, 200, 'a token about to expire');
sleep 3;
is(api(GET => '/resource_providers', token => $expiring)->code, 401,
   '... refused once expired, although it was cached');

# --- Keystone unreachable --------------------------------------------------
$res = vhost_api('placement_ks_down', GET => '/resource_providers', token => $admin,
                 headers => { Accept => 'application/json' });
is($res->code, 503, 'Keystone refuses connections: 503');
like($res->content, qr/The Keystone service is temporarily unavailable/, '... saying why');
is(vhost_api('placement_ks_down', GET => '/')->code, 200, '... and the root still answers');

# --- the module's own token ------------------------------------------------
my $logins = stub_logins();
stub_call(POST => '/revoke-service-tokens');
my $after = admin_token();
is(api(GET => '/resource_providers', token => $after)->code, 200,
   'Keystone refused the module\'s own token (401): it logged in again and retried');
cmp_ok(stub_logins(), '>', $logins, '... with a new login');

# --- service tokens ---------------------------------------------------------
my $svc = fresh();
stub_register($svc, token => stub_token(user => 'nova', project => 'service',
                                        roles => ['service']));
my $old = fresh();
stub_register($old, mode => 'expired', token => stub_token(user => 'u-admin',
              project => 'p-admin', roles => ['admin']));
is(api(GET => '/resource_providers', token => $old)->code, 401, 'an expired user token alone');
is(api(GET => '/resource_providers', token => $old,
       headers => { 'X-Service-Token' => $svc })->code, 200,
   '... accepted with a service token that has the service role (allow_expired)');
is(api(GET => '/resource_providers', token => $admin,
       headers => { 'X-Service-Token' => $reader })->code, 401,
   'a service token without the service role: 401');
is(api(GET => '/resource_providers', token => $admin,
       headers => { 'X-Service-Token' => 'unknown-service-token' })->code, 401,
   'an invalid service token: 401 even with a valid user token');

# --- revocation and token_cache_time (2 s on placement_ks_short) ----------
my $revoked = admin_token();
is(vhost_api('placement_ks_short', GET => '/resource_providers', token => $revoked)->code,
   200, 'a token, cached (MACed records)');
stub_revoke($revoked);
is(vhost_api('placement_ks_short', GET => '/resource_providers', token => $revoked)->code,
   200, 'revoked in Keystone: still served from the cache');
sleep 3;
is(vhost_api('placement_ks_short', GET => '/resource_providers', token => $revoked)->code,
   401, '... and refused once token_cache_time has passed');

# --- delay_auth_decision ---------------------------------------------------
$res = vhost_api('placement_ks_delay', GET => '/resource_providers', token => 'bad-token',
                 headers => { Accept => 'application/json' });
is($res->code, 401, 'delay_auth_decision, bad token: 401');
like($res->content, qr/"code": ?"401 Unauthorized"/, '... Placement\'s own 401 body');
is($res->header('WWW-Authenticate'), qq{Keystone uri="$realm"}, '... with the realm');
is(vhost_api('placement_ks_delay', GET => '/resource_providers', token => $admin)->code, 200,
   'delay_auth_decision, good token: 200');

# --- the cache is shared by the children -----------------------------------
my $shared = admin_token();
my @pids;
for (1 .. 6) {
    my $pid = fork();
    if (!$pid) {
        my $code = 0;
        $code = api(GET => '/resource_providers', token => $shared)->code for 1 .. 5;
        exit($code == 200 ? 0 : 1);
    }
    push @pids, $pid;
    sleep 1 if $_ == 1;    # the first one validates and stores
}
my $bad = 0;
for (@pids) { waitpid($_, 0); $bad++ if $? }
is($bad, 0, '30 requests from 6 clients: all 200');
is(stub_validations($shared), 1, '... on one validation');

done_testing();
