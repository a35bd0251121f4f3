# End to end as an operator works: the stock `openstack` CLI (Debian's
# python3-openstackclient with python3-osc-placement), password auth against
# the real Keystone, the placement endpoint from Keystone's catalog pointing
# at the module.  Creates a provider, sets inventory, claims, lists
# candidates and usages.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use HTTP::Request ();
use KeystoneTest;
use PlacementTest qw(new_uuid);

plan skip_all => 'no Keystone here (python3-keystone is not installed)' unless keystone_url();
plan skip_all => 'no openstack CLI (python3-openstackclient, python3-osc-placement)'
    unless -x '/usr/bin/openstack';

my $json = JSON::PP->new;
my $placement = do {
    local $Apache::TestRequest::Module = $Apache::TestRequest::Module;
    Apache::TestRequest::module2url('placement_ks_real', { path => '' });
};
$placement =~ s{/$}{};

# The catalog entry clients look placement up by.
my ($admin) = keystone_token('admin', 'project:admin');
sub identity {
    my ($method, $path, $body) = @_;
    my $req = HTTP::Request->new($method => keystone_url() . $path);
    $req->header('X-Auth-Token' => $admin);
    $req->header('Content-Type' => 'application/json');
    $req->content($json->encode($body)) if $body;
    my $res = Apache::TestRequest::user_agent(reset => 1)->request($req);
    die "$method $path: " . $res->status_line . ' ' . $res->content unless $res->is_success;
    return $json->decode($res->content);
}
my $services = identity(GET => '/services?type=placement')->{services};
my $sid = @$services ? $services->[0]{id}
        : identity(POST => '/services', { service => { type => 'placement',
                                                      name => 'placement' } })->{service}{id};
for my $ep (@{ identity(GET => "/endpoints?service_id=$sid")->{endpoints} }) {
    identity(DELETE => "/endpoints/$ep->{id}");
}
identity(POST => '/endpoints', { endpoint => { service_id => $sid, interface => $_,
                                               url => $placement, region_id => 'RegionOne' } })
    for qw(public internal);

local $ENV{OS_AUTH_URL} = keystone_url();
local $ENV{OS_IDENTITY_API_VERSION} = 3;
local $ENV{OS_USERNAME} = 'demo-admin';
local $ENV{OS_PASSWORD} = 'secret';
local $ENV{OS_PROJECT_NAME} = 'demo';
local $ENV{OS_USER_DOMAIN_NAME} = 'Default';
local $ENV{OS_PROJECT_DOMAIN_NAME} = 'Default';
local $ENV{OS_REGION_NAME} = 'RegionOne';
local $ENV{OS_INTERFACE} = 'public';
local $ENV{OS_PLACEMENT_API_VERSION} = '1.39';
delete $ENV{$_} for grep { /^OS_(TOKEN|CLOUD)$/ } keys %ENV;

sub openstack {
    my @args = @_;
    my $cmd = join ' ', map { "'$_'" } '/usr/bin/openstack', @args, '-f', 'json';
    my $out = `$cmd 2>&1`;
    my $ok = $? == 0;
    my $doc = $ok ? eval { $json->decode($out) } : undef;
    diag("openstack @args: $out") unless $ok && defined $doc;
    return $doc;
}

my $name = 'cli-' . new_uuid();
my $rp = openstack(qw(resource provider create), $name);
ok($rp && $rp->{uuid}, 'openstack resource provider create') or BAIL_OUT('no provider');
my $inv = openstack(qw(resource provider inventory set), $rp->{uuid},
                    qw(--resource VCPU=8 --resource MEMORY_MB=4096));
is(scalar(grep { $_->{resource_class} eq 'VCPU' && $_->{total} == 8 } @{ $inv || [] }), 1,
   'openstack resource provider inventory set');
my $consumer = new_uuid();
my $alloc = openstack(qw(resource provider allocation set), $consumer,
                      '--allocation', "rp=$rp->{uuid},VCPU=2,MEMORY_MB=512",
                      '--project-id', new_uuid(), '--user-id', new_uuid(),
                      '--consumer-type', 'INSTANCE');
ok($alloc && @$alloc, 'openstack resource provider allocation set (a claim)');
my $usage = openstack(qw(resource provider usage show), $rp->{uuid});
is_deeply({ map { $_->{resource_class} => $_->{usage} } @{ $usage || [] } },
          { VCPU => 2, MEMORY_MB => 512 }, 'openstack resource provider usage show');
my $cands = openstack(qw(allocation candidate list --resource VCPU=6));
ok(scalar(grep { ($_->{'resource provider'} || '') eq $rp->{uuid} } @{ $cands || [] }),
   'openstack allocation candidate list finds the provider');
$cands = openstack(qw(allocation candidate list --resource VCPU=7));
ok(!grep({ ($_->{'resource provider'} || '') eq $rp->{uuid} } @{ $cands || [] }),
   '... and not for more than is left');
ok(openstack(qw(resource provider list --name), $name), 'openstack resource provider list');

# A user without the admin role is refused by policy, not by authentication.
{
    local $ENV{OS_USERNAME} = 'demo-reader';
    my $out = `/usr/bin/openstack resource provider list -f json 2>&1`;
    like($out, qr/403|Forbidden|Policy does not allow/i, 'a reader: 403 through the CLI');
}

done_testing();
