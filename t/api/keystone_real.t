# PlacementAuthStrategy keystone against a real Keystone (Debian's 22,
# started by t/run-tests): every route, with each test identity's real
# token, gets the access upstream's policy gives that identity; the same
# matrix policy.t checks under noauth2 is the oracle, asked with the
# identity the token carries.  Forged identity headers add nothing.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use PlacementTest;
use PlacementCases qw(policy_routes);
use KeystoneTest;
use HTTP::Request ();

plan skip_all => 'no Keystone here (python3-keystone is not installed)' unless keystone_url();

# user => scope of the token it uses
my @who = (
    [admin => 'project:admin'], ['demo-admin' => 'project:demo'],
    ['demo-member' => 'project:demo'], ['demo-reader' => 'project:demo'],
    ['alt-member' => 'project:alt'], ['sys-admin' => 'system'], ['sys-reader' => 'system'],
    ['dom-admin' => 'domain'], [svc => 'project:service'], [placement => 'project:service'],
    ['demo-member' => 'none'],
);

my %token;      # "user scope" -> [token, noauth2 mirror headers]
my $demo_project;
for my $w (@who) {
    my ($user, $scope) = @$w;
    my ($tok, $doc) = keystone_token($user, $scope);
    my $roles = join ',', map { $_->{name} } @{ $doc->{roles} || [] };
    my $project = $doc->{project} ? $doc->{project}{id} : undef;
    $demo_project = $project if $scope eq 'project:demo';
    my %mirror = ('X-Auth-Token' => $doc->{user}{id} . ($project ? ":$project" : ''),
                  'X-Roles' => $roles);
    $mirror{'OpenStack-System-Scope'} = 'all' if $doc->{system};
    $token{"$user $scope"} = [$tok, \%mirror, $doc];
}

my $rp = json(api(POST => '/resource_providers', version => '1.39',
                  body => { name => 'ks-real-' . new_uuid() }))->{uuid};
my @routes = (policy_routes($rp, new_uuid()), [GET => "/usages?project_id=$demo_project"]);

sub outcome {     # what matters of an answer here: refused how, or let through
    my ($code) = @_;
    return $code == 401 || $code == 403 ? $code : 'allowed';
}

for my $r (@routes) {
    my ($method, $path) = @$r;
    my @body = ($method eq 'GET' || $method eq 'DELETE') ? () : (body => {});
    for my $w (@who) {
        my $id = join ' ', @$w;
        my ($tok, $mirror, $doc) = @{ $token{$id} };
        my $got = vhost_api('placement_ks_real', $method => $path, token => $tok, @body);
        my $want = $doc->{domain}
            ? 403     # a domain-scoped token: every Placement rule is project scoped
            : api($method => $path, version => '1.39', token => undef, headers => $mirror,
                  @body)->code;
        is(outcome($got->code), outcome($want), "$method $path as $id")
            or diag($got->code . ' ' . $got->content);
    }
}

# Forged headers beside a reader's real token change nothing.
my ($reader) = @{ $token{'demo-reader project:demo'} };
my %forged = ('X-User-Id' => 'admin', 'X-Roles' => 'admin,service', 'X-Tenant-Id' => 'x',
              'OpenStack-System-Scope' => 'all', 'X-Project-Id' => $demo_project,
              'X-Service-Roles' => 'service', 'X-Identity-Status' => 'Confirmed');
for my $r (@routes) {
    my ($method, $path) = @$r;
    my @body = ($method eq 'GET' || $method eq 'DELETE') ? () : (body => {});
    my $plain = vhost_api('placement_ks_real', $method => $path, token => $reader, @body);
    my $spoof = vhost_api('placement_ks_real', $method => $path, token => $reader,
                          headers => \%forged, @body);
    is(outcome($spoof->code), outcome($plain->code), "forged headers: $method $path as reader");
}
my $name = 'ks-forged-' . new_uuid();
is(vhost_api('placement_ks_real', POST => '/resource_providers', token => $reader,
             headers => \%forged, body => { name => $name })->code, 403,
   'a reader with forged admin headers cannot create a provider');
is(vhost_api('placement_ks_real', POST => '/resource_providers', token => undef,
             headers => \%forged, body => { name => $name })->code, 401,
   '... nor can forged headers without a token');
is_deeply(json(api(GET => "/resource_providers?name=$name", version => '1.39'))
          ->{resource_providers}, [], '... and nothing was written');

# A revoked token stops working (no cache entry yet for this one).
my ($gone) = keystone_token('demo-admin', 'project:demo');
my ($admin) = keystone_token('admin', 'project:admin');
my $del = HTTP::Request->new(DELETE => keystone_url() . '/auth/tokens');
$del->header('X-Auth-Token' => $admin);
$del->header('X-Subject-Token' => $gone);
is(Apache::TestRequest::user_agent(reset => 1)->request($del)->code, 204, 'token revoked');
is(vhost_api('placement_ks_real', GET => '/resource_providers', token => $gone)->code, 401,
   '... and refused');

done_testing();
