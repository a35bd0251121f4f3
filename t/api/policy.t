# Every route is permission-checked by the placement-policy authz provider:
# no token is 401, and each identity gets exactly the access upstream's
# default rules give it (enforce_new_defaults off, scope enforced).
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use PlacementTest;
use PlacementCases qw(policy_routes);

my %who = (
    admin          => { token => 'admin' },
    service        => { token => 'nova:service-project', roles => 'service' },
    member         => { token => 'alice:proj1', roles => 'member,reader' },
    reader         => { token => 'bob:proj1', roles => 'reader' },
    other_project  => { token => 'carol:proj2', roles => 'member,reader' },
    no_role        => { token => 'dave:proj1' },
    system_admin   => { token => 'root', roles => 'admin', system => 1 },
);

my $rp = json(api(POST => '/resource_providers', version => '1.39',
                  body => { name => 'policy-' . new_uuid() }))->{uuid};
my $c = new_uuid();

my @routes = policy_routes($rp, $c);

sub allowed {
    my ($ident, $method, $path) = @_;
    return 1 if $ident eq 'admin' || $ident eq 'service';
    # project readers may read their own project's usages, nobody else's
    return 1 if $path eq '/usages?project_id=proj1' && ($ident eq 'member' || $ident eq 'reader');
    return 0;
}

plan tests => scalar(@routes) * (1 + keys %who);

for my $r (@routes) {
    my ($method, $path) = @$r;
    my @body = ($method eq 'GET' || $method eq 'DELETE') ? () : (body => {});
    my $res = api($method => $path, version => '1.39', token => undef, @body);
    is($res->code, 401, "$method $path without a token: 401");
    for my $ident (sort keys %who) {
        my $w = $who{$ident};
        my %h;
        $h{'X-Roles'} = $w->{roles} if defined $w->{roles};
        $h{'OpenStack-System-Scope'} = 'all' if $w->{system};
        $res = api($method => $path, version => '1.39', token => $w->{token},
                   headers => \%h, @body);
        if (allowed($ident, $method, $path)) {
            ok($res->code != 403 && $res->code != 401, "$method $path as $ident: allowed")
                or diag($res->code . ' ' . $res->content);
        }
        else {
            is($res->code, 403, "$method $path as $ident: 403")
                or diag($res->content);
        }
    }
}
