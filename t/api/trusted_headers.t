# PlacementAuthStrategy trusted-headers: identity from the X-User-Id, X-Project-Id,
# X-Roles and OpenStack-System-Scope headers of the layer in front.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use ApacheTestQuiet ();   # no AH00534 line (see t/lib/ApacheTestQuiet.pm)
use HTTP::Request ();
use JSON::PP ();

plan tests => 9;

my $hostport = Apache::TestRequest::module2url('placement_trusted', { path => '' });

sub req {
    my ($path, %h) = @_;
    my $r = HTTP::Request->new(GET => "$hostport$path");
    $r->header('OpenStack-API-Version' => 'placement 1.39');
    $r->header($_ => $h{$_}) for keys %h;
    return Apache::TestRequest::user_agent(reset => 0)->request($r);
}

my $res = req('/resource_providers');
is($res->code, 401, 'no X-User-Id: 401');
$res = req('/resource_providers', 'X-Auth-Token' => 'admin');
is($res->code, 401, 'a noauth2 token means nothing here');
$res = req('/resource_providers', 'X-User-Id' => 'u1', 'X-Project-Id' => 'p1',
           'X-Roles' => 'admin');
is($res->code, 200, 'admin role from X-Roles');
ok(JSON::PP->new->decode($res->content)->{resource_providers}, '... and a provider list');
$res = req('/resource_providers', 'X-User-Id' => 'u1', 'X-Project-Id' => 'p1',
           'X-Roles' => 'member,reader');
is($res->code, 403, 'member role: 403');
$res = req('/resource_providers', 'X-User-Id' => 'u1', 'X-Project-Id' => 'p1',
           'X-Roles' => 'service');
is($res->code, 200, 'service role');
$res = req('/usages?project_id=p1', 'X-User-Id' => 'u1', 'X-Project-Id' => 'p1',
           'X-Roles' => 'reader');
is($res->code, 200, 'a reader sees its own project usages');
$res = req('/usages?project_id=p2', 'X-User-Id' => 'u1', 'X-Project-Id' => 'p1',
           'X-Roles' => 'reader');
is($res->code, 403, '... not another project\'s');
$res = req('/resource_providers', 'X-User-Id' => 'u1', 'X-Roles' => 'admin',
           'OpenStack-System-Scope' => 'all');
is($res->code, 403, 'system-scoped admin token on a project-scoped rule: 403');
